namespace Causeway.Proxy.Balancing;

/// <summary>
/// Maglev consistent hashing (Envoy's MAGLEV): a lookup table of prime size filled by each host's permutation
/// (offset and skip from two hashes of its name), weighted; a request's hash indexes the table directly. Faster to
/// look up than a ring and minimally disruptive on host changes.
/// </summary>
public sealed class MaglevBalancer : ILoadBalancer
{
    private readonly UpstreamEndpoint[] table;

    public MaglevBalancer(IReadOnlyList<UpstreamEndpoint> hosts, ulong tableSize)
    {
        var m = (int)Math.Clamp(tableSize, 2, 5_000_011);
        table = new UpstreamEndpoint[hosts.Count == 0 ? 0 : m];
        if (hosts.Count == 0)
        {
            return;
        }

        var offsets = hosts.Select(h => (int)(HashKey.Of(h.Key + "#offset") % (ulong)m)).ToArray();
        var skips = hosts.Select(h => (int)(HashKey.Of(h.Key + "#skip") % (ulong)(m - 1)) + 1).ToArray();
        var next = new int[hosts.Count];
        var credit = new double[hosts.Count];
        var maxWeight = hosts.Max(h => h.Weight);
        var filled = 0;
        while (filled < m)
        {
            for (var i = 0; i < hosts.Count && filled < m; i++)
            {
                credit[i] += (double)hosts[i].Weight / maxWeight;
                if (credit[i] < 1)
                {
                    continue;
                }

                credit[i] -= 1;
                int slot;
                do
                {
                    slot = (int)(((long)offsets[i] + ((long)next[i] * skips[i])) % m);
                    next[i]++;
                }
                while (table[slot] is not null);
                table[slot] = hosts[i];
                filled++;
            }
        }
    }

    public UpstreamEndpoint? Pick(IReadOnlyList<UpstreamEndpoint> hosts, ulong? hash, UpstreamEndpoint? avoid) =>
        table.Length == 0 ? null : table[(hash ?? (ulong)Random.Shared.NextInt64()) % (ulong)table.Length];
}
