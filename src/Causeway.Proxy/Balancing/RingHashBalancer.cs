namespace Causeway.Proxy.Balancing;

/// <summary>
/// Consistent hashing on a ring (Envoy's RING_HASH, Istio's default for consistentHash): each host owns points on a
/// 64-bit ring in proportion to its weight; a request goes to the first point at or after its hash. Adding or
/// removing a host moves only its share of keys. The ring is built once per snapshot.
/// </summary>
public sealed class RingHashBalancer : ILoadBalancer
{
    private readonly ulong[] points;
    private readonly UpstreamEndpoint[] owners;

    public RingHashBalancer(IReadOnlyList<UpstreamEndpoint> hosts, ulong minimumRingSize)
    {
        var totalWeight = Math.Max(1, hosts.Sum(h => h.Weight));
        var size = (int)Math.Min(8_388_608, Math.Max((ulong)hosts.Count, minimumRingSize));
        var ring = new List<(ulong, UpstreamEndpoint)>(size + hosts.Count);
        foreach (var host in hosts)
        {
            var replicas = Math.Max(1, (int)Math.Ceiling((double)size * host.Weight / totalWeight));
            for (var i = 0; i < replicas; i++)
            {
                ring.Add((HashKey.Of($"{host.Key}_{i}"), host));
            }
        }

        ring.Sort((x, y) => x.Item1.CompareTo(y.Item1));
        points = ring.Select(r => r.Item1).ToArray();
        owners = ring.Select(r => r.Item2).ToArray();
    }

    public UpstreamEndpoint? Pick(IReadOnlyList<UpstreamEndpoint> hosts, ulong? hash, UpstreamEndpoint? avoid)
    {
        if (points.Length == 0)
        {
            return null;
        }

        var key = hash ?? (ulong)Random.Shared.NextInt64();
        var index = Array.BinarySearch(points, key);
        if (index < 0)
        {
            index = ~index;
        }

        return owners[index % owners.Length];
    }
}
