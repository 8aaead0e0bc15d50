namespace Causeway.Proxy.Balancing;

/// <summary>ROUND_ROBIN: hosts in turn (lock-free: one shared counter).</summary>
public sealed class RoundRobinBalancer : ILoadBalancer
{
    private int next = -1;

    public UpstreamEndpoint? Pick(IReadOnlyList<UpstreamEndpoint> hosts, ulong? hash, UpstreamEndpoint? avoid)
    {
        if (hosts.Count == 0)
        {
            return null;
        }

        var pick = hosts[(int)((uint)Interlocked.Increment(ref next) % (uint)hosts.Count)];
        return ReferenceEquals(pick, avoid) && hosts.Count > 1 ? hosts[(int)((uint)Interlocked.Increment(ref next) % (uint)hosts.Count)] : pick;
    }
}
