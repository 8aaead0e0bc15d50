namespace Causeway.Proxy.Routing;

/// <summary>
/// Picks what a TLS server name (SNI) selects, as Envoy's filter chain match on <c>server_names</c> does: an exact
/// name first, then the longest <c>*.suffix</c> wildcard, then <c>*</c>. Case-insensitive; where two entries name the
/// same pattern, the first keeps it. Built once per snapshot.
/// </summary>
internal sealed class ServerNameTable<T>
    where T : class
{
    private readonly Dictionary<string, T> exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly (string Suffix, T Value)[] wildcards;
    private readonly T? any;

    public ServerNameTable(IEnumerable<(IEnumerable<string> Names, T Value)> entries)
    {
        var suffixes = new List<(string Suffix, T Value)>();
        foreach (var (names, value) in entries)
        {
            foreach (var name in names)
            {
                if (name == "*")
                {
                    any ??= value;
                }
                else if (name.StartsWith("*.", StringComparison.Ordinal))
                {
                    if (!suffixes.Exists(w => string.Equals(w.Suffix, name[1..], StringComparison.OrdinalIgnoreCase)))
                    {
                        suffixes.Add((name[1..], value));
                    }
                }
                else
                {
                    exact.TryAdd(name, value);
                }
            }
        }

        // Longest suffix first; a stable sort keeps the first entry first among equals.
        wildcards = suffixes.OrderByDescending(w => w.Suffix.Length).ToArray();
    }

    /// <summary>What <paramref name="serverName"/> selects, or null (also for a client that sent no SNI and no <c>*</c>).</summary>
    public T? Select(string? serverName) => Select(serverName, out _);

    /// <summary>
    /// What <paramref name="serverName"/> selects and how specifically: <see cref="int.MaxValue"/> for an exact name,
    /// the suffix's length for a wildcard, 0 for <c>*</c>, -1 for nothing (so two tables can be compared, as Envoy
    /// compares filter chains across kinds).
    /// </summary>
    public T? Select(string? serverName, out int rank)
    {
        rank = any is null ? -1 : 0;
        if (string.IsNullOrEmpty(serverName))
        {
            return any;
        }

        if (exact.TryGetValue(serverName, out var found))
        {
            rank = int.MaxValue;
            return found;
        }

        foreach (var (suffix, value) in wildcards)
        {
            if (serverName.Length > suffix.Length && serverName.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                rank = suffix.Length;
                return value;
            }
        }

        return any;
    }
}
