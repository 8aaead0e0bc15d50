using System.Collections.Concurrent;
using Causeway.ControlPlane.Config;
using Causeway.Translation;
using Causeway.Protocol.V1;

namespace Causeway.ControlPlane.Push;

/// <summary>
/// Snapshots per config generation and proxy identity: proxies that introduce themselves the same way (two replicas
/// of a gateway, a sidecar that reconnects) share one translation. A new generation starts an empty cache.
/// </summary>
public sealed class SnapshotCache
{
    private readonly Lock gate = new();
    private long generation = -1;
    private ConcurrentDictionary<string, Lazy<Entry?>> entries = new(StringComparer.Ordinal);

    /// <summary>
    /// The snapshot for this proxy in this generation, or null when the mesh does not know the proxy. Only an
    /// authenticated proxy's snapshot carries Secrets.
    /// </summary>
    public Entry? Get(ConfigGeneration config, Hello hello, bool authenticated)
    {
        ConcurrentDictionary<string, Lazy<Entry?>> map;
        lock (gate)
        {
            if (config.Number != generation)
            {
                generation = config.Number;
                entries = new ConcurrentDictionary<string, Lazy<Entry?>>(StringComparer.Ordinal);
            }

            map = entries;
        }

        return map.GetOrAdd(KeyOf(hello, authenticated), _ => new Lazy<Entry?>(() => Build(config, hello, authenticated))).Value;
    }

    private static Entry? Build(ConfigGeneration config, Hello hello, bool authenticated)
    {
        var request = ProxyRequest.Resolve(config.Mesh, hello.Role, hello.Name, hello.Namespace, hello.Labels);
        if (request is null)
        {
            return null;
        }

        var built = ProxySnapshotBuilder.BuildVersioned(config.Mesh, request with { MayReadSecrets = authenticated, Captured = hello.Captured });
        return new Entry(built.Snapshot, built.Structure);
    }

    private static string KeyOf(Hello hello, bool authenticated) =>
        $"{hello.Role}|{authenticated}|{hello.Captured}|{hello.Name}|{hello.Namespace}|{string.Join(",", hello.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value))}";

    public sealed record Entry(ProxySnapshot Snapshot, string Structure);
}
