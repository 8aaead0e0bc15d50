namespace Causeway.ControlPlane.Dashboard;

/// <summary>One endpoint of one cluster as a proxy sees it: its health flags (healthy, /failed_eds_health, /failed_outlier_check).</summary>
public sealed record EndpointView(string Cluster, string Address, string HealthFlags, string Workload)
{
    public bool Ejected => HealthFlags.Contains("failed_outlier_check", StringComparison.Ordinal);

    public bool Healthy => HealthFlags == "healthy";
}

/// <summary>Reads a proxy's admin /clusters page (Envoy's <c>cluster::host:port::fact::value</c> lines) into endpoint views.</summary>
public static class ClusterHealth
{
    public static List<EndpointView> Parse(string text)
    {
        var facts = new Dictionary<(string Cluster, string Address), (string Health, string Workload)>();
        foreach (var line in text.Split('\n'))
        {
            // cluster::address::fact::value; an IPv6 address holds "::" itself, so cut the cluster from the left
            // and the fact and value from the right
            var cut = Cut(line.TrimEnd('\r'));
            if (cut is not { } parts)
            {
                continue; // cluster::lb_policy::X and anything unexpected
            }

            var key = (parts.Cluster, parts.Address);
            var known = facts.GetValueOrDefault(key, ("", ""));
            facts[key] = parts.Fact switch
            {
                "health_flags" => (parts.Value, known.Item2),
                "workload" => (known.Item1, parts.Value),
                _ => known,
            };
        }

        return facts.Where(f => f.Value.Health.Length > 0)
            .Select(f => new EndpointView(f.Key.Cluster, f.Key.Address, f.Value.Health, f.Value.Workload))
            .ToList();
    }

    private static (string Cluster, string Address, string Fact, string Value)? Cut(string line)
    {
        var first = line.IndexOf("::", StringComparison.Ordinal);
        var last = line.LastIndexOf("::", StringComparison.Ordinal);
        if (first < 0 || last <= first)
        {
            return null;
        }

        var middle = line[(first + 2)..last];
        var factAt = middle.LastIndexOf("::", StringComparison.Ordinal);
        return factAt <= 0 ? null : (line[..first], middle[..factAt], middle[(factAt + 2)..], line[(last + 2)..]);
    }

    /// <summary>Envoy's outbound cluster name, <c>outbound|PORT|SUBSET|HOST</c>: the subset and the host, or null for other clusters.</summary>
    public static (string Subset, string Host)? Outbound(string cluster)
    {
        var parts = cluster.Split('|');
        return parts.Length == 4 && parts[0] == "outbound" ? (parts[2], parts[3]) : null;
    }
}
