using System.Globalization;
using System.Text;

namespace Causeway.Bench.ControlPlane;

/// <summary>
/// A generated mesh: namespaces of services, each service with its endpoints (WorkloadEntries), a Sidecar per
/// namespace scoping egress to the namespace (as a large Istio mesh is run), and a VirtualService per service.
/// </summary>
internal static class MeshGenerator
{
    public static void Write(string dir, int namespaces, int servicesPerNamespace, int endpointsPerService)
    {
        for (var n = 0; n < namespaces; n++)
        {
            var ns = Ns(n);
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {"{"}name: default, namespace: {ns}{"}"}
                spec:
                  egress:
                  - hosts: ["./*"]

                """);
            for (var s = 0; s < servicesPerNamespace; s++)
            {
                var svc = $"svc-{s}";
                sb.Append(CultureInfo.InvariantCulture, $"""
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {"{"}name: {svc}, namespace: {ns}{"}"}
                    spec:
                      hosts: [{svc}.{ns}.svc.cluster.local]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports: [{"{"}number: 9080, name: http, protocol: HTTP{"}"}]
                      workloadSelector: {"{"}labels: {"{"}app: {svc}{"}"}{"}"}

                    """);
                for (var e = 0; e < endpointsPerService; e++)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"""
                        ---
                        apiVersion: networking.istio.io/v1
                        kind: WorkloadEntry
                        metadata: {"{"}name: {svc}-{e}, namespace: {ns}{"}"}
                        spec: {"{"}address: {Address(n, s, e)}, labels: {"{"}app: {svc}, version: v{e % 3}{"}"}{"}"}

                        """);
                }
            }

            File.WriteAllText(Path.Combine(dir, ns + ".yaml"), sb.ToString());
            File.WriteAllText(Path.Combine(dir, ns + "-routes.yaml"), Routes(ns, servicesPerNamespace, 1));
        }
    }

    /// <summary>A VirtualService per service; <paramref name="generation"/> changes a timeout so every route table in the namespace changes.</summary>
    public static string Routes(string ns, int services, int generation)
    {
        var sb = new StringBuilder();
        for (var s = 0; s < services; s++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"""
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {"{"}name: svc-{s}, namespace: {ns}{"}"}
                spec:
                  hosts: [svc-{s}]
                  http:
                  - timeout: {generation}s
                    route: [{"{"}destination: {"{"}host: svc-{s}{"}"}{"}"}]

                """);
        }

        return sb.ToString();
    }

    public static string Ns(int n) => "ns-" + n.ToString(CultureInfo.InvariantCulture);

    private static string Address(int n, int s, int e) => $"10.{n}.{s / 10}.{((s % 10) * 25) + e + 1}";
}
