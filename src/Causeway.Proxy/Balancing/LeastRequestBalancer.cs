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

        var a = Sample(hosts, avoid);
        var b = Sample(hosts, avoid);
        return b.ActiveRequests < a.ActiveRequests ? b : a;
    }

    /// <summary>A random host other than <paramref name="avoid"/> (there are at least two hosts).</summary>
    private UpstreamEndpoint Sample(IReadOnlyList<UpstreamEndpoint> hosts, UpstreamEndpoint? avoid)
    {
        var i = random.Next(hosts.Count);
        if (ReferenceEquals(hosts[i], avoid))
        {
            i = (i + 1 + random.Next(hosts.Count - 1)) % hosts.Count;
        }

        return hosts[i];
    }
}
