using Causeway.Api.Model;
using Causeway.Api.Model.Networking;
using Causeway.Translation.Registry;
using Causeway.Protocol.V1;
using Proto = Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// Builds a cluster (one service port, optionally one subset) with its resolved policy and Istio's defaults filled
/// in: LEAST_REQUEST balancing, a 10 s connect timeout, unlimited pools (0 here), and outlier detection only when
/// configured (5 consecutive 5xx, 10 s interval, 30 s base ejection, 10% max ejected, 0% min healthy).
/// </summary>
internal static class ClusterBuilder
{
    public static Cluster Build(ServiceModel service, ServicePortModel port, string subset, EffectiveDestinationRule dr) => Build(service, port, subset, dr, out _);

    /// <summary>Builds the cluster and also gives the policy it resolved to (locality for endpoint priorities, TLS).</summary>
    public static Cluster Build(ServiceModel service, ServicePortModel port, string subset, EffectiveDestinationRule dr, out ResolvedPolicy policy)
    {
        var subsetPolicy = subset.Length > 0 && dr.Subsets.TryGetValue(subset, out var s) ? s.TrafficPolicy : null;
        policy = TrafficPolicyMerger.Resolve(dr.Policy, subsetPolicy, port.Number);
        var cluster = new Cluster
        {
            Name = ClusterNames.Outbound(port.Number, subset, service.Hostname),
            Service = service.Hostname,
            Port = port.Number,
            Subset = subset,
            Protocol = port.Protocol.Length == 0 ? "AUTO" : port.Protocol,
            DestinationRule = dr.Source,
            ConnectionPool = Pool(policy.ConnectionPool),
        };
        ApplyLoadBalancer(cluster, policy.LoadBalancer);
        cluster.OriginalDestination = cluster.LbPolicy == LbPolicy.Passthrough || service.Resolution == ServiceResolution.None;
        cluster.MeshInternal = service.MeshInternal;
        if (policy.OutlierDetection is { } od)
        {
            cluster.OutlierDetection = new Proto.OutlierDetection
            {
                Consecutive5Xx = od.Consecutive5xxErrors ?? (od.ConsecutiveErrors is > 0 ? (uint)od.ConsecutiveErrors.Value : IstioDefaults.OutlierConsecutive5xxErrors),
                ConsecutiveGatewayErrors = od.ConsecutiveGatewayErrors ?? 0,
                ConsecutiveLocalOriginFailures = od.ConsecutiveLocalOriginFailures ?? IstioDefaults.OutlierConsecutiveLocalOriginFailures,
                SplitExternalLocalOriginErrors = od.SplitExternalLocalOriginErrors ?? false,
                IntervalMs = Ms(od.EffectiveInterval.Value),
                BaseEjectionTimeMs = Ms(od.EffectiveBaseEjectionTime.Value),
                MaxEjectionPercent = (uint)od.EffectiveMaxEjectionPercent,
                MinHealthPercent = (uint)od.EffectiveMinHealthPercent,
            };
        }

        return cluster;
    }

    /// <summary>A cluster towards the local application, for inbound traffic.</summary>
    public static Cluster Inbound(ServiceModel service, ServicePortModel port) => new()
    {
        Name = ClusterNames.Inbound(port.Number, service.Hostname),
        Service = service.Hostname,
        Port = port.Number,
        Protocol = port.Protocol.Length == 0 ? "AUTO" : port.Protocol,
        LbPolicy = LbPolicy.RoundRobin,
        ConnectionPool = Pool(null),
    };

    private static void ApplyLoadBalancer(Cluster cluster, LoadBalancerSettings? lb)
    {
        cluster.LbPolicy = (lb ?? new LoadBalancerSettings()).EffectiveSimple switch
        {
            SimpleLb.RoundRobin => LbPolicy.RoundRobin,
            SimpleLb.Random => LbPolicy.Random,
            SimpleLb.Passthrough => LbPolicy.Passthrough,
            _ => LbPolicy.LeastRequest,
        };
        if (lb?.ConsistentHash is not { } ch)
        {
            return;
        }

        var hash = new HashPolicy();
        if (ch.HttpHeaderName is { } header)
        {
            hash.HeaderName = header.ToLowerInvariant();
        }
        else if (ch.HttpCookie is { } cookie)
        {
            hash.Cookie = new CookieHash { Name = cookie.Name ?? "", Path = cookie.Path ?? "", TtlMs = cookie.Ttl is { } ttl ? (long)Ms(ttl.Value) : -1 };
        }
        else if (ch.UseSourceIp == true)
        {
            hash.SourceIp = true;
        }
        else if (ch.HttpQueryParameterName is { } q)
        {
            hash.QueryParameter = q;
        }

        if (ch.Maglev is { } maglev)
        {
            cluster.LbPolicy = LbPolicy.Maglev;
            hash.MaglevTableSize = maglev.TableSize ?? IstioDefaults.MaglevTableSize;
        }
        else
        {
            cluster.LbPolicy = LbPolicy.RingHash;
            hash.RingSize = ch.RingHash?.MinimumRingSize ?? ch.MinimumRingSize ?? IstioDefaults.RingHashMinimumRingSize;
        }

        cluster.Hash = hash;
    }

    private static ConnectionPool Pool(ConnectionPoolSettings? pool) => new()
    {
        MaxConnections = Positive(pool?.Tcp?.MaxConnections),
        ConnectTimeoutMs = Ms((pool?.Tcp?.ConnectTimeout ?? IstioDefaults.ConnectTimeout).Value),
        Http1MaxPendingRequests = Positive(pool?.Http?.Http1MaxPendingRequests),
        Http2MaxRequests = Positive(pool?.Http?.Http2MaxRequests),
        MaxRequestsPerConnection = Positive(pool?.Http?.MaxRequestsPerConnection),
        MaxRetries = Positive(pool?.Http?.MaxRetries),
        IdleTimeoutMs = Ms((pool?.Http?.IdleTimeout ?? pool?.Tcp?.IdleTimeout ?? IstioDefaults.IdleTimeout).Value),
        MaxConcurrentStreams = Positive(pool?.Http?.MaxConcurrentStreams),
        MaxConnectionDurationMs = pool?.Tcp?.MaxConnectionDuration is { } d ? Ms(d.Value) : 0,
        TcpKeepalive = pool?.Tcp?.TcpKeepalive is not null,
        KeepaliveProbes = pool?.Tcp?.TcpKeepalive?.Probes ?? 0,
        KeepaliveTimeMs = pool?.Tcp?.TcpKeepalive?.Time is { } kt ? Ms(kt.Value) : 0,
        KeepaliveIntervalMs = pool?.Tcp?.TcpKeepalive?.Interval is { } ki ? Ms(ki.Value) : 0,
    };

    private static uint Positive(int? value) => value is > 0 ? (uint)value.Value : 0;

    internal static ulong Ms(TimeSpan t) => t <= TimeSpan.Zero ? 0 : (ulong)Math.Ceiling(t.TotalMilliseconds);
}
