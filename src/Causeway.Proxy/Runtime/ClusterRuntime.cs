using System.Collections.Concurrent;
using System.Net;
using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;

namespace Causeway.Proxy.Runtime;

/// <summary>
/// A cluster as the proxy runs it: its endpoints (with live state), the connection pool that reaches them and the
/// state it keeps across snapshots (circuit breakers, outlier detection, counters). Picking a host honours health,
/// outlier ejections, locality priorities and the panic threshold; the set of candidates is recomputed only when an
/// ejection starts or ends, so the common pick is one balancer call.
/// </summary>
public sealed class ClusterRuntime
{
    private const int MaxOriginalHosts = 4096;

    /// <summary>Envoy's overprovisioning factor: a priority keeps all traffic while 1/1.4 (71%) of it is healthy.</summary>
    private const double Overprovisioning = 1.4;

    private readonly Func<IReadOnlyList<UpstreamEndpoint>, ILoadBalancer> balancerFor;
    private readonly ConcurrentDictionary<string, UpstreamEndpoint> originalHosts = new(StringComparer.Ordinal);
    private HostView view;

    internal ClusterRuntime(Cluster cluster, IReadOnlyList<UpstreamEndpoint> endpoints, Func<IReadOnlyList<UpstreamEndpoint>, ILoadBalancer> balancerFor, UpstreamPool pool, ClusterState state)
    {
        Cluster = cluster;
        Protocol = cluster.Protocol switch
        {
            "HTTP2" or "GRPC" => UpstreamProtocol.Http2,
            "AUTO" => UpstreamProtocol.Auto,
            _ => UpstreamProtocol.Http1,
        };
        Endpoints = endpoints;
        Healthy = endpoints.Where(e => e.Healthy).ToArray();
        this.balancerFor = balancerFor;
        Pool = pool;
        State = state;
        view = Build(-1);
    }

    public Cluster Cluster { get; }

    public string Name => Cluster.Name;

    public IReadOnlyList<UpstreamEndpoint> Endpoints { get; }

    /// <summary>Endpoints the registry reports ready (WorkloadEntry health, later Kubernetes readiness).</summary>
    public IReadOnlyList<UpstreamEndpoint> Healthy { get; }

    public ClusterState State { get; }

    internal UpstreamPool Pool { get; }

    public UpstreamProtocol Protocol { get; }

    /// <summary>Whether a request that came in as HTTP/2 (or not) goes upstream as HTTP/2 (h2c).</summary>
    public bool UpstreamHttp2(bool downstreamHttp2) => Protocol == UpstreamProtocol.Http2 || (Protocol == UpstreamProtocol.Auto && downstreamHttp2);

    public bool IsHashed => Cluster.Hash is not null;

    /// <summary>An original destination cluster: hosts are the addresses clients dialled, not listed endpoints.</summary>
    public bool IsOriginalDestination => Cluster.OriginalDestination;

    /// <summary>Whether the host is out of rotation because outlier detection ejected it.</summary>
    public bool IsEjected(UpstreamEndpoint host) => State.Outlier?.IsEjected(host) ?? false;

    /// <summary>
    /// Picks a host: among the hosts that are healthy and not ejected, in the priority chosen by the hosts' health
    /// (or among all hosts in panic), by the cluster's balancer. <paramref name="avoid"/> is a host a retry should not
    /// land on again when it has a choice.
    /// </summary>
    public UpstreamEndpoint? Pick(ulong? hash, UpstreamEndpoint? avoid, Random random, uint? skipPriority = null)
    {
        var v = CurrentView();
        var levels = v.Levels;
        if (levels.Length == 0)
        {
            return null;
        }

        var level = levels[0];
        if (levels.Length > 1)
        {
            // retryRemoteLocalities (Envoy's previous_priorities): a retry leaves out the priority it just tried and
            // the load is spread again over the others by their health.
            var skip = skipPriority is { } sp && levels.Any(l => l.Priority != sp) ? sp : (uint?)null;
            double left = 100, total = 0;
            Span<double> loads = stackalloc double[levels.Length];
            for (var i = 0; i < levels.Length; i++)
            {
                loads[i] = levels[i].Priority == skip ? 0 : Math.Min(left, levels[i].Health);
                left -= loads[i];
                total += loads[i];
            }

            var roll = random.NextDouble() * total;
            for (var i = 0; i < levels.Length; i++)
            {
                if (loads[i] <= 0)
                {
                    continue;
                }

                level = levels[i];
                if ((roll -= loads[i]) < 0)
                {
                    break;
                }
            }
        }

        var host = level.Pick(hash, avoid, random);

        // Envoy's previous_hosts predicate with host_selection_retry_max_attempts 5: pick again, up to 5 times, while
        // the pick is the host to avoid and there is another one.
        for (var i = 0; i < 5 && avoid is not null && ReferenceEquals(host, avoid) && level.Hosts.Count > 1; i++)
        {
            host = level.Pick(hash, avoid, random);
        }

        return host;
    }

    /// <summary>
    /// The host for an original destination, made on first use and kept so its requests in flight are counted and its
    /// pooled connections reused. Bounded: past the cap the table starts over, as Envoy's cleanup drops hosts that
    /// went unused.
    /// </summary>
    public UpstreamEndpoint OriginalDestinationHost(IPEndPoint destination)
    {
        var key = destination.ToString();
        if (originalHosts.TryGetValue(key, out var host))
        {
            return host;
        }

        if (originalHosts.Count >= MaxOriginalHosts)
        {
            originalHosts.Clear();
        }

        return originalHosts.GetOrAdd(key, _ => new UpstreamEndpoint(new Endpoint
        {
            Address = destination.Address.ToString(),
            Port = (uint)destination.Port,
            Weight = 1,
            Healthy = true,
        }));
    }

    /// <summary>Called after an ejection so the next pick sees it.</summary>
    internal void Refresh() => Volatile.Write(ref view, Build(State.Outlier?.Version ?? -1));

    private HostView CurrentView()
    {
        var v = Volatile.Read(ref view);
        var outlier = State.Outlier;
        if (outlier is null)
        {
            return v;
        }

        if (v.OutlierVersion == outlier.Version && (v.NextReturn is not { } back || back > State.Time.GetUtcNow()))
        {
            return v;
        }

        var rebuilt = Build(outlier.Version);
        Volatile.Write(ref view, rebuilt);
        return rebuilt;
    }

    private HostView Build(long outlierVersion)
    {
        var outlier = State.Outlier;
        var available = outlier is null ? Healthy : Healthy.Where(h => !outlier.IsEjected(h)).ToArray();
        var next = outlier?.NextReturn(Healthy);

        // Panic (Istio's minHealthPercent, Envoy's healthy_panic_threshold; 0 disables it): too few hosts available,
        // so traffic goes to every host regardless of health or ejection.
        var minHealth = Cluster.OutlierDetection?.MinHealthPercent ?? 0;
        if (minHealth > 0 && Endpoints.Count > 0 && available.Count * 100.0 < minHealth * (double)Endpoints.Count)
        {
            return new HostView(outlierVersion, next, [MakeLevel(0, Endpoints, Endpoints, 100)]);
        }

        var priorities = Endpoints.Select(e => e.Source.Priority).Distinct().Order().ToArray();
        if (priorities.Length <= 1)
        {
            return new HostView(outlierVersion, next, available.Count == 0 ? [] : [MakeLevel(0, available, Endpoints, 100)]);
        }

        // Envoy's priority load: each priority takes min(room left, its healthy share × 1.4) of the traffic; when
        // the shares add up to less than 100 the loads are scaled up (picking in proportion does exactly that).
        var levels = new List<Level>();
        foreach (var p in priorities)
        {
            var all = Endpoints.Count(e => e.Source.Priority == p);
            var hosts = available.Where(e => e.Source.Priority == p).ToArray();
            if (hosts.Length > 0)
            {
                levels.Add(MakeLevel(p, hosts, Endpoints.Where(e => e.Source.Priority == p).ToArray(), Math.Min(100, 100.0 * hosts.Length / all * Overprovisioning)));
            }
        }

        return new HostView(outlierVersion, next, levels.ToArray());
    }

    /// <summary>
    /// A priority level; with locality weights (localityLbSetting.distribute), its hosts grouped by locality, each
    /// weighted by its configured weight × its available share × 1.4 (capped at 1), as Envoy's locality-weighted LB.
    /// </summary>
    private Level MakeLevel(uint priority, IReadOnlyList<UpstreamEndpoint> available, IReadOnlyList<UpstreamEndpoint> all, double health)
    {
        if (!all.Any(e => e.Source.LocalityWeight > 0))
        {
            return new Level(priority, available, balancerFor(available), health, null);
        }

        var groups = available.GroupBy(e => e.Source.Locality, StringComparer.Ordinal).Select(g =>
        {
            var hosts = g.ToArray();
            var total = all.Count(e => e.Source.Locality == g.Key);
            var weight = hosts[0].Source.LocalityWeight * Math.Min(1.0, (double)hosts.Length / total * Overprovisioning);
            return new LocalityGroup(hosts, balancerFor(hosts), weight);
        }).Where(g => g.Weight > 0).ToArray();
        return new Level(priority, available, balancerFor(available), health, groups);
    }

    /// <summary>One priority's available hosts; <c>Health</c> is its healthy share × 1.4, capped at 100.</summary>
    private sealed record Level(uint Priority, IReadOnlyList<UpstreamEndpoint> Hosts, ILoadBalancer Balancer, double Health, LocalityGroup[]? Localities)
    {
        public UpstreamEndpoint? Pick(ulong? hash, UpstreamEndpoint? avoid, Random random)
        {
            if (Localities is not { Length: > 0 } groups)
            {
                return Localities is null ? Balancer.Pick(Hosts, hash, avoid) : null;
            }

            var roll = random.NextDouble() * groups.Sum(g => g.Weight);
            var chosen = groups[^1];
            foreach (var g in groups)
            {
                if ((roll -= g.Weight) < 0)
                {
                    chosen = g;
                    break;
                }
            }

            return chosen.Balancer.Pick(chosen.Hosts, hash, avoid);
        }
    }

    private sealed record LocalityGroup(IReadOnlyList<UpstreamEndpoint> Hosts, ILoadBalancer Balancer, double Weight);

    private sealed record HostView(long OutlierVersion, DateTimeOffset? NextReturn, Level[] Levels);
}
