using Causeway.Api.Diagnostics;
using Causeway.Api.Validation;
using Causeway.Translation.Mesh;
using Causeway.Translation;
using Causeway.Protocol.V1;

namespace Causeway.Bench.HotPath;

/// <summary>Compiles benchmark YAML through the real loader, validator and translation, as the proxy would get it.</summary>
internal static class BenchMesh
{
    public static ProxySnapshot SidecarSnapshot(string yaml, string workload, string ns)
    {
        var result = ResourceValidation.LoadAndValidateText(yaml, "bench.yaml");
        var errors = result.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("benchmark config has errors:\n" + string.Join("\n", errors));
        }

        var mesh = new MeshState(result.Valid);
        var w = mesh.Registry.Workloads.First(x => x.Name == workload && x.Namespace == ns);
        return ProxySnapshotBuilder.Build(mesh, new ProxyRequest(ProxyRole.Sidecar, w.Name, w.Namespace, w.Labels, w.Address));
    }

    /// <summary>A service on 127.0.0.1 with one workload per version, and a client workload.</summary>
    public static string Service(string name, uint port, int targetPort, params string[] versions)
    {
        var yaml = $$$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: {{{name}}}, namespace: bench}
            spec:
              hosts: [{{{name}}}.bench.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: {{{port}}}, name: http, protocol: HTTP, targetPort: {{{targetPort}}}}]
              workloadSelector: {labels: {app: {{{name}}}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: client, namespace: bench}
            spec: {address: 127.0.0.1, labels: {app: client}}

            """;
        foreach (var v in versions)
        {
            yaml += $$$"""
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: {{{name}}}-{{{v}}}, namespace: bench}
                spec: {address: 127.0.0.1, labels: {app: {{{name}}}, version: {{{v}}}}}

                """;
        }

        return yaml;
    }
}
