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

        var pick = hosts[random.Next(hosts.Count)];
        return ReferenceEquals(pick, avoid) && hosts.Count > 1 ? hosts[random.Next(hosts.Count)] : pick;
    }
}
