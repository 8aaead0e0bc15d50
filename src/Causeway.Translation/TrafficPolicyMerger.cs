using Causeway.Api.Model.Networking;

namespace Causeway.Translation;

/// <summary>The four policy groups that apply to one cluster.</summary>
internal sealed record ResolvedPolicy(
    LoadBalancerSettings? LoadBalancer,
    ConnectionPoolSettings? ConnectionPool,
    OutlierDetection? OutlierDetection,
    ClientTlsSettings? Tls);

/// <summary>
/// Istio's merge of a DestinationRule's policy for one port and subset: a port-level setting replaces the rule's
/// group of the same kind (load balancer, connection pool, outlier detection, TLS) for that port; then the subset's
/// policy, itself resolved for the port, replaces groups it sets. Groups it does not set are inherited.
/// </summary>
internal static class TrafficPolicyMerger
{
    public static ResolvedPolicy Resolve(TrafficPolicy? rule, TrafficPolicy? subset, uint port)
    {
        var merged = ForPort(rule, port);
        if (subset is null)
        {
            return merged;
        }

        var s = ForPort(subset, port);
        return new ResolvedPolicy(
            s.LoadBalancer ?? merged.LoadBalancer,
            s.ConnectionPool ?? merged.ConnectionPool,
            s.OutlierDetection ?? merged.OutlierDetection,
            s.Tls ?? merged.Tls);
    }

    private static ResolvedPolicy ForPort(TrafficPolicy? policy, uint port)
    {
        if (policy is null)
        {
            return new ResolvedPolicy(null, null, null, null);
        }

        var pl = policy.PortLevelSettings?.FirstOrDefault(p => p.Port?.Number == port);
        return new ResolvedPolicy(
            pl?.LoadBalancer ?? policy.LoadBalancer,
            pl?.ConnectionPool ?? policy.ConnectionPool,
            pl?.OutlierDetection ?? policy.OutlierDetection,
            pl?.Tls ?? policy.Tls);
    }
}
