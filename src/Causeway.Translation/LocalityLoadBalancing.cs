using Causeway.Api.Model.Networking;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// Locality load balancing as Istio computes it (pilot's ApplyLocalityLoadBalancer). With <c>distribute</c> whose
/// <c>from</c> matches the proxy's locality, each endpoint's locality gets its weight from the first <c>to</c> entry
/// that matches it (a weight matched by several localities is split among them in proportion to their size) and
/// localities no entry matches are left out; this needs no outlier detection. Otherwise, locality failover (pilot's applyLocalityFailover / applyPriorityFailover): with outlier
/// detection on the cluster and a locality on the proxy, each endpoint gets a priority. By locality: 0 for the same
/// region/zone/subzone, 1 same region/zone, 2 same region, 3 elsewhere, and with <c>failover</c> rules for the
/// proxy's region, 4 for regions other than the rule's <c>to</c>. With <c>failoverPriority</c>, by the number of
/// leading labels that match the proxy's (topology.kubernetes.io/region and zone, topology.istio.io/subzone compare
/// localities). Priorities are then renumbered without gaps. Without outlier detection Istio does not fail over, so
/// every endpoint stays at 0.
/// </summary>
internal static class LocalityLoadBalancing
{
    public static void Apply(ClusterEndpoints endpoints, Cluster cluster, ProxyRequest proxy, LocalityLoadBalancerSetting? setting)
    {
        if (setting?.Enabled != false && setting?.Distribute is { Count: > 0 } distribute)
        {
            Distribute(endpoints, proxy.Locality, distribute);
            return; // Istio applies distribute or failover, never both
        }

        if (cluster.OutlierDetection is null || setting?.Enabled == false || endpoints.Endpoints.Count == 0 ||
            (proxy.Locality.Length == 0 && setting?.FailoverPriority is not { Count: > 0 }))
        {
            return;
        }

        var own = Split(proxy.Locality);
        foreach (var e in endpoints.Endpoints)
        {
            e.Priority = setting?.FailoverPriority is { Count: > 0 } labels
                ? ByLabels(labels, proxy, own, e)
                : ByLocality(own, Split(e.Locality), setting?.Failover);
        }

        // Envoy wants priorities 0..N without gaps.
        var order = endpoints.Endpoints.Select(e => e.Priority).Distinct().Order().Select((p, i) => (p, i)).ToDictionary(x => x.p, x => (uint)x.i);
        foreach (var e in endpoints.Endpoints)
        {
            e.Priority = order[e.Priority];
        }
    }

    private static void Distribute(ClusterEndpoints endpoints, string proxyLocality, List<LocalityDistribute> rules)
    {
        var rule = rules.FirstOrDefault(r => Matches(proxyLocality, r.From ?? ""));
        if (rule is null)
        {
            return;
        }

        var localities = endpoints.Endpoints.GroupBy(e => e.Locality, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var unmatched = localities.Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var (pattern, weight) in rule.To ?? [])
        {
            var matched = unmatched.Where(l => Matches(l, pattern)).ToList();
            var total = matched.Sum(l => localities[l].Sum(e => Math.Max(1, e.Weight)));
            foreach (var locality in matched)
            {
                unmatched.Remove(locality);
                var share = (uint)Math.Ceiling((double)weight * localities[locality].Sum(e => Math.Max(1, e.Weight)) / total);
                foreach (var e in localities[locality])
                {
                    e.LocalityWeight = share;
                }
            }
        }

        foreach (var e in endpoints.Endpoints.Where(e => unmatched.Contains(e.Locality) || e.LocalityWeight == 0).ToList())
        {
            endpoints.Endpoints.Remove(e); // Istio removes the endpoints of localities distribute does not send to
        }
    }

    /// <summary>Istio's LocalityMatch: a pattern "region/zone/subzone" with <c>*</c> segments, shorter patterns matching by prefix.</summary>
    private static bool Matches(string locality, string pattern)
    {
        var parts = Split(locality);
        var wanted = pattern.Split('/');
        for (var i = 0; i < wanted.Length && i < 3; i++)
        {
            if (wanted[i] != "*" && wanted[i] != parts[i])
            {
                return false;
            }
        }

        return true;
    }

    private static uint ByLocality(string[] own, string[] theirs, List<LocalityFailover>? failover)
    {
        if (own[0] == theirs[0] && own[1] == theirs[1] && own[2] == theirs[2])
        {
            return 0;
        }

        if (own[0] == theirs[0] && own[1] == theirs[1])
        {
            return 1;
        }

        if (own[0] == theirs[0])
        {
            return 2;
        }

        foreach (var rule in failover ?? [])
        {
            if (rule.From == own[0])
            {
                return rule.To == theirs[0] ? 3u : 4u;
            }
        }

        return 3;
    }

    private static uint ByLabels(List<string> labels, ProxyRequest proxy, string[] own, Endpoint e)
    {
        var theirs = Split(e.Locality);
        var matched = 0;
        foreach (var label in labels)
        {
            var (mine, other) = label switch
            {
                "topology.kubernetes.io/region" => (own[0], theirs[0]),
                "topology.kubernetes.io/zone" => (own[1], theirs[1]),
                "topology.istio.io/subzone" => (own[2], theirs[2]),
                _ => (proxy.Labels.GetValueOrDefault(label) ?? "", e.Labels.TryGetValue(label, out var v) ? v : ""),
            };
            if (mine.Length == 0 || mine != other)
            {
                break;
            }

            matched++;
        }

        return (uint)(labels.Count - matched);
    }

    private static string[] Split(string locality)
    {
        var parts = locality.Split('/');
        return [parts.ElementAtOrDefault(0) ?? "", parts.ElementAtOrDefault(1) ?? "", parts.ElementAtOrDefault(2) ?? ""];
    }
}
