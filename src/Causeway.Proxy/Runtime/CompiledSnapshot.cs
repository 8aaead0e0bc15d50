using Causeway.Protocol.V1;
using Causeway.Proxy.Routing;
using Causeway.Proxy.Security;

namespace Causeway.Proxy.Runtime;

/// <summary>
/// Everything one request needs, compiled once per snapshot and never changed after: a request reads the current
/// instance once at its start and sees one consistent configuration.
/// </summary>
public sealed class CompiledSnapshot
{
    internal CompiledSnapshot(ProxySnapshot source, IReadOnlyDictionary<string, CompiledRouteTable> routeTables, IReadOnlyDictionary<string, ClusterRuntime> clusters, IReadOnlyDictionary<string, ListenerTls> tls)
    {
        Tls = tls;
        Source = source;
        RouteTables = routeTables;
        Clusters = clusters;
        Listeners = source.Listeners.ToDictionary(l => l.Name, StringComparer.Ordinal);
        PeerMetadata = source.Proxy is { } me ? Telemetry.PeerMetadata.Encode(me) : null;
        PathNormalization = source.PathNormalization switch
        {
            Protocol.V1.PathNormalization.None => Routing.PathNormalization.None,
            Protocol.V1.PathNormalization.MergeSlashes => Routing.PathNormalization.MergeSlashes,
            Protocol.V1.PathNormalization.DecodeAndMergeSlashes => Routing.PathNormalization.DecodeAndMergeSlashes,
            _ => Routing.PathNormalization.Base,
        };
        SniRoutes = source.Listeners.Where(l => l.SniRoutes.Count > 0).ToDictionary(
            l => l.Name,
            l => new ServerNameTable<SniRoute>(l.SniRoutes.Select(r => ((IEnumerable<string>)r.ServerNames, r))),
            StringComparer.Ordinal);
        Security = Proxy.Security.Authorization.RequestSecurityEnforcement.For(source.Security);
        ListenerRateLimits = source.Listeners.Where(l => l.RateLimit is { MaxTokens: > 0 }).ToDictionary(
            l => l.Name,
            l => new Resilience.TokenBucket((int)l.RateLimit.MaxTokens, (int)Math.Max(1, l.RateLimit.TokensPerFill), TimeSpan.FromMilliseconds(l.RateLimit.FillIntervalMs)),
            StringComparer.Ordinal);
    }

    public ProxySnapshot Source { get; }

    public string Version => Source.Version;

    public IReadOnlyDictionary<string, CompiledRouteTable> RouteTables { get; }

    public IReadOnlyDictionary<string, ClusterRuntime> Clusters { get; }

    public IReadOnlyDictionary<string, Listener> Listeners { get; }

    /// <summary>The access log, when the snapshot turns access logs on.</summary>
    public Telemetry.CompiledAccessLog? AccessLog { get; internal set; }

    /// <summary>How request paths are normalized before routing (MeshConfig pathNormalization).</summary>
    public Routing.PathNormalization PathNormalization { get; }

    /// <summary>This proxy's metadata exchange headers (Istio's x-envoy-peer-metadata), encoded once.</summary>
    public Telemetry.PeerMetadata.Own? PeerMetadata { get; }

    /// <summary>RequestAuthentication and AuthorizationPolicy, compiled; null when none applies to this proxy.</summary>
    internal Proxy.Security.Authorization.RequestSecurityEnforcement? Security { get; }

    /// <summary>Listener-wide token buckets (Gateway rate limit annotation), by listener name.</summary>
    public IReadOnlyDictionary<string, Resilience.TokenBucket> ListenerRateLimits { get; }

    /// <summary>
    /// On a listener that both terminates TLS and passes some through, whether this SNI passes through: a
    /// passthrough route names it more specifically than any terminating server does.
    /// </summary>
    internal bool PassesThrough(string listener, string? serverName)
    {
        if (!SniRoutes.TryGetValue(listener, out var passing) || passing.Select(serverName, out var passRank) is null)
        {
            return false;
        }

        return !Tls.TryGetValue(listener, out var terminating) || passRank > terminating.Rank(serverName);
    }

    /// <summary>Passthrough listeners' routes by the ClientHello's server name, by listener name.</summary>
    internal IReadOnlyDictionary<string, ServerNameTable<SniRoute>> SniRoutes { get; }

    /// <summary>The TLS of each listener that terminates it, by listener name.</summary>
    public IReadOnlyDictionary<string, ListenerTls> Tls { get; }
}
