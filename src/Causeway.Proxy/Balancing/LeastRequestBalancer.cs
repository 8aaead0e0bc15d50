namespace Causeway.Proxy.Balancing;

/// <summary>
/// Envoy's LEAST_REQUEST (Istio's default since 1.14): power of two choices, pick two hosts at random and take the
/// one with fewer requests in flight. Cheap, and avoids the herd effect of always choosing the global minimum.
/// </summary>
public sealed class LeastRequestBalancer(Random random) : ILoadBalancer
{
    public UpstreamEndpoint? Pick(IReadOnlyList<UpstreamEndpoint> hosts, ulong? hash, UpstreamEndpoint? avoid)
    {
        if (hosts.Count == 0)
        {
            return null;
        }

        if (hosts.Count == 1)
        {
            return hosts[0];
        }

        var a = hosts[random.Next(hosts.Count)];
        var b = hosts[random.Next(hosts.Count)];
        if (ReferenceEquals(a, avoid))
        {
            a = b;
        }
        else if (ReferenceEquals(b, avoid))
        {
            b = a;
        }

        return b.ActiveRequests < a.ActiveRequests ? b : a;
    }
}
