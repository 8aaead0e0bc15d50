namespace Causeway.Proxy.Balancing;

/// <summary>Picks one of a cluster's healthy hosts.</summary>
public interface ILoadBalancer
{
    /// <summary>Picks a host; <paramref name="hash"/> is the request's hash key when the cluster hashes, and a retry passes the host to avoid.</summary>
    UpstreamEndpoint? Pick(IReadOnlyList<UpstreamEndpoint> hosts, ulong? hash, UpstreamEndpoint? avoid);
}
