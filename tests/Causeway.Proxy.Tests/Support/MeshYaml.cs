namespace Causeway.Proxy.Tests.Support;

/// <summary>YAML for services whose endpoints are real backends (WorkloadEntries at 127.0.0.1 with the backend's port).</summary>
internal static class MeshYaml
{
    /// <summary>A service on config port 9080 with one WorkloadEntry per backend (labels app and version = backend name).</summary>
    public static string Service(string name, string ns, IEnumerable<(Backend Backend, string Version)> instances, string protocol = "HTTP", uint port = 9080, bool http2Port = false)
    {
        var yaml = $"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: {name}
              namespace: {ns}
            spec:
              hosts: [{name}.{ns}.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports:
              - number: {port}
                name: {protocol.ToLowerInvariant()}
                protocol: {protocol}
              workloadSelector:
                labels:
                  app: {name}

            """;
        foreach (var (backend, version) in instances)
        {
            yaml += $"""
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: {name}-{version}
                  namespace: {ns}
                spec:
                  address: 127.0.0.1
                  ports:
                    {protocol.ToLowerInvariant()}: {(http2Port ? backend.Http2Port : backend.Http1Port)}
                  labels:
                    app: {name}
                    version: {version}

                """;
        }

        return yaml;
    }

    /// <summary>The calling workload (the proxy under test stands beside it).</summary>
    public static string Client(string name = "client", string ns = "default") => $"""
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          address: 127.0.0.1
          labels:
            app: {name}

        """;

    public static string Subsets(string host, string ns, params string[] versions) =>
        $"---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: {host}\n  namespace: {ns}\nspec:\n  host: {host}\n  subsets:\n" +
        string.Concat(versions.Select(v => $"  - name: {v}\n    labels:\n      version: {v}\n")) + "\n";
}
