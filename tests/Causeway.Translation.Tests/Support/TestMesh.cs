using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Validation;
using Causeway.Translation.Mesh;

namespace Causeway.Translation.Tests.Support;

/// <summary>Builds a mesh from YAML (validated: a test config with errors fails loudly) and translates it for a proxy.</summary>
internal static class TestMesh
{
    public static MeshState Load(params string[] yamlDocuments)
    {
        var resources = new List<LoadedResource>();
        foreach (var yaml in yamlDocuments)
        {
            var result = ResourceValidation.LoadAndValidateText(yaml, "test.yaml");
            var errors = result.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
            Assert.True(errors.Count == 0, "test config has errors:\n" + string.Join("\n", errors));
            resources.AddRange(result.Valid);
        }

        return new MeshState(resources);
    }

    public static MeshState LoadFiles(params string[] paths)
    {
        var result = ResourceValidation.LoadAndValidate(paths);
        Assert.True(result.Diagnostics.All(d => d.Severity != Severity.Error), string.Join("\n", result.Diagnostics.Where(d => d.Severity == Severity.Error)));
        return new MeshState(result.Valid);
    }

    public static Simulation Sidecar(this MeshState mesh, string name, string ns, params (string Key, string Value)[] labels) =>
        new(ProxySnapshotBuilder.Build(mesh, ProxyRequest.Sidecar(name, ns, labels.ToDictionary(l => l.Key, l => l.Value))));

    public static Simulation Gateway(this MeshState mesh, params (string Key, string Value)[] labels) =>
        new(ProxySnapshotBuilder.Build(mesh, ProxyRequest.Gateway("gateway", "istio-system", labels.ToDictionary(l => l.Key, l => l.Value))));

    /// <summary>A Gateway <c>default/gw</c> for <c>istio: ingressgateway</c> with these servers (YAML list items, indented under <c>servers:</c> here).</summary>
    public static string GatewayYaml(string servers) => $"""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {"{"}name: gw, namespace: default{"}"}
        spec:
          selector: {"{"}istio: ingressgateway{"}"}
          servers:
        {string.Join("\n", servers.Split('\n').Select(l => "  " + l))}
        """;

    /// <summary>A Telemetry resource with the given spec (one or more YAML lines, indented under <c>spec:</c> here).</summary>
    public static string Telemetry(string ns, string name, string spec) => $"""
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec:
        {string.Join("\n", spec.Split('\n').Select(l => "  " + l))}
        """;

    /// <summary>A ServiceEntry (MESH_INTERNAL, STATIC) plus one WorkloadEntry per version, on loopback addresses.</summary>
    public static string Service(string name, string ns, uint port = 9080, string protocol = "HTTP", params string[] versions)
    {
        var yaml = $$$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: {{{name}}}, namespace: {{{ns}}}}
            spec:
              hosts: [{{{name}}}.{{{ns}}}.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: {{{port}}}, name: {{{protocol.ToLowerInvariant()}}}, protocol: {{{protocol}}}}]
              workloadSelector: {labels: {app: {{{name}}}}}

            """;
        var i = 0;
        foreach (var v in versions.DefaultIfEmpty("v1"))
        {
            i++;
            yaml += $$$"""
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: {{{name}}}-{{{v}}}, namespace: {{{ns}}}}
                spec: {address: 127.0.{{{Math.Abs(name.GetHashCode(StringComparison.Ordinal)) % 200}}}.{{{i}}}, labels: {app: {{{name}}}, version: {{{v}}}}}

                """;
        }

        return yaml;
    }
}
