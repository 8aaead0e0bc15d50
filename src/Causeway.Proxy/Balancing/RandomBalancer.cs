namespace Causeway.Proxy.Balancing;

/// <summary>RANDOM: a uniformly random host.</summary>
public sealed class RandomBalancer(Random random) : ILoadBalancer
{
    public UpstreamEndpoint? Pick(IReadOnlyList<UpstreamEndpoint> hosts, ulong? hash, UpstreamEndpoint? avoid)
    {
        if (hosts.Count == 0)
        {
            return null;
        }

        var i = random.Next(hosts.Count);
        if (ReferenceEquals(hosts[i], avoid) && hosts.Count > 1)
        {
            i = (i + 1 + random.Next(hosts.Count - 1)) % hosts.Count; // any other host, uniformly
        }

        return hosts[i];
    }
}
