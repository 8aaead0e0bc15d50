using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;
using Causeway.Proxy.Routing;
using Causeway.Proxy.Security;

namespace Causeway.Proxy.Runtime;

/// <summary>
/// Holds the current compiled snapshot and swaps it atomically. Applying a snapshot compiles it completely first:
/// a snapshot that fails to compile (for example a regex the engine refuses) is rejected and the last good one
/// keeps serving. Host state and connection pools carry over for hosts and clusters that remain.
/// </summary>
public sealed class ProxyState : IDisposable
{
    private readonly Random random;
    private readonly Lock applyGate = new();
    private CompiledSnapshot? current;
    private Dictionary<string, UpstreamPool> pools = new(StringComparer.Ordinal);
    private Dictionary<string, UpstreamEndpoint> hosts = new(StringComparer.Ordinal);
    private Dictionary<string, ClusterState> clusterStates = new(StringComparer.Ordinal);

    public ProxyState(Random? random = null, TimeProvider? time = null)
    {
        this.random = random ?? Random.Shared;
        Time = time ?? TimeProvider.System;
    }

    /// <summary>The clock of timeouts, ejections and rate limits; tests inject their own.</summary>
    public TimeProvider Time { get; }

    /// <summary>This proxy's workload certificate (from the mesh CA): what its mutual TLS presents and trusts.</summary>
    public Security.WorkloadCertificateStore Certificates { get; } = new();

    public Random Random => random;

    /// <summary>How long a connection pool dropped from the configuration lives on for requests in flight.</summary>
    public static TimeSpan PoolDrainTime { get; set; } = TimeSpan.FromSeconds(60);

    public CompiledSnapshot? Current => Volatile.Read(ref current);

    public event Action<CompiledSnapshot>? Applied;

    /// <summary>Compiles and swaps in a snapshot; returns null on success, else why it was rejected (a NACK).</summary>
    public string? Apply(ProxySnapshot snapshot)
    {
        CompiledSnapshot compiled;
        lock (applyGate)
        {
            try
            {
                compiled = Compile(snapshot);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or NotSupportedException)
            {
                return $"snapshot {snapshot.Version} rejected: {ex.Message}";
            }

            Volatile.Write(ref current, compiled);
        }

        Applied?.Invoke(compiled);
        return null;
    }

    private CompiledSnapshot Compile(ProxySnapshot snapshot)
    {
        // Filters compiled first, so one this proxy cannot read rejects the snapshot and the last good one keeps serving.
        var accessLog = snapshot.AccessLog is { } log ? new Telemetry.CompiledAccessLog(log) : null;
        var tables = snapshot.RouteTables.ToDictionary(t => t.Name, t => new CompiledRouteTable(t), StringComparer.Ordinal);
        var tls = snapshot.Listeners.Where(l => l.Tls is not null)
            .ToDictionary(l => l.Name, l => new ListenerTls(l.Tls, l.Protocol == ListenerProtocol.Http), StringComparer.Ordinal);
        var endpointsByCluster = snapshot.Endpoints.ToDictionary(e => e.Cluster, StringComparer.Ordinal);
        var newPools = new Dictionary<string, UpstreamPool>(StringComparer.Ordinal);
        var newHosts = new Dictionary<string, UpstreamEndpoint>(StringComparer.Ordinal);
        var clusters = new Dictionary<string, ClusterRuntime>(StringComparer.Ordinal);
        var newStates = new Dictionary<string, ClusterState>(StringComparer.Ordinal);
        foreach (var cluster in snapshot.Clusters)
        {
            var endpoints = new List<UpstreamEndpoint>();
            foreach (var e in endpointsByCluster.GetValueOrDefault(cluster.Name)?.Endpoints ?? [])
            {
                var key = cluster.Name + "/" + UpstreamEndpoint.Format(e.Address, e.Port);
                if (!newHosts.TryGetValue(key, out var host))
                {
                    host = hosts.GetValueOrDefault(key) ?? new UpstreamEndpoint(e);
                    host.Update(e);
                    newHosts[key] = host;
                }

                endpoints.Add(host);
            }

            var upstreamTls = cluster.Tls is null ? null : new Security.UpstreamTlsContext(cluster.Tls, Certificates);
            var poolKey = UpstreamPool.KeyOf(cluster.ConnectionPool ?? new ConnectionPool(), upstreamTls);
            if (!newPools.TryGetValue(poolKey, out var pool))
            {
                pool = pools.GetValueOrDefault(poolKey) ?? new UpstreamPool(cluster.ConnectionPool ?? new ConnectionPool(), upstreamTls);
                newPools[poolKey] = pool;
            }

            if (clusterStates.TryGetValue(cluster.Name, out var clusterState))
            {
                clusterState.Update(cluster);
            }
            else
            {
                clusterState = new ClusterState(cluster, Time);
            }

            newStates[cluster.Name] = clusterState;
            clusters[cluster.Name] = new ClusterRuntime(cluster, endpoints, BalancerFactory(cluster), pool, clusterState);
        }

        // Pools no longer used are closed after a drain period: requests in flight still hold them.
        foreach (var (key, pool) in pools)
        {
            if (!newPools.ContainsKey(key))
            {
                _ = Task.Delay(PoolDrainTime).ContinueWith(_ => pool.Dispose(), TaskScheduler.Default);
            }
        }

        pools = newPools;
        hosts = newHosts;
        clusterStates = newStates;
        var writer = AccessLogFor(snapshot.AccessLog);
        if (accessLog is not null)
        {
            accessLog.Writer = writer!;
        }

        return new CompiledSnapshot(snapshot, tables, clusters, tls) { AccessLog = accessLog };
    }

    /// <summary>The writer for the snapshot's access log: kept while its file and encoding stay the same.</summary>
    private Telemetry.AccessLogWriter? AccessLogFor(AccessLog? settings)
    {
        var old = accessLog;
        if (settings is null)
        {
            accessLog = null;
        }
        else if (old is null || old.Path != settings.Path || old.Json != settings.Json)
        {
            accessLog = new Telemetry.AccessLogWriter(settings.Path, settings.Json);
        }

        if (old is not null && !ReferenceEquals(old, accessLog))
        {
            // Requests in flight may still log to it: close it once they are done.
            _ = Task.Delay(TimeSpan.FromSeconds(5)).ContinueWith(_ => old.DisposeAsync().AsTask(), TaskScheduler.Default);
        }

        return accessLog;
    }

    private Telemetry.AccessLogWriter? accessLog;

    /// <summary>A balancer for a set of hosts: hashing ones build their ring or table over exactly those hosts.</summary>
    private Func<IReadOnlyList<UpstreamEndpoint>, ILoadBalancer> BalancerFactory(Cluster cluster) => cluster.LbPolicy switch
    {
        LbPolicy.RoundRobin => _ => new RoundRobinBalancer(),
        LbPolicy.Random => _ => new RandomBalancer(random),
        LbPolicy.RingHash => hosts => new RingHashBalancer(hosts, cluster.Hash?.RingSize ?? 1024),
        LbPolicy.Maglev => hosts => new MaglevBalancer(hosts, cluster.Hash?.MaglevTableSize ?? 65537),
        _ => _ => new LeastRequestBalancer(random),
    };

    public void Dispose()
    {
        foreach (var pool in pools.Values)
        {
            pool.Dispose();
        }
    }
}
