using Causeway.Api.Model.Networking;
using Causeway.Protocol.V1;

namespace Causeway.ControlPlane.Translation;

/// <summary>
/// Locality failover as Istio computes it (pilot's applyLocalityFailover / applyPriorityFailover): with outlier
/// detection on the cluster and a locality on the proxy, each endpoint gets a priority. By locality: 0 for the same
/// region/zone/subzone, 1 same region/zone, 2 same region, 3 elsewhere, and with <c>failover</c> rules for the
/// proxy's region, 4 for regions other than the rule's <c>to</c>. With <c>failoverPriority</c>, by the number of
/// leading labels that match the proxy's (topology.kubernetes.io/region and zone, topology.istio.io/subzone compare
/// localities). Priorities are then renumbered without gaps. Without outlier detection Istio does not fail over, so
/// every endpoint stays at 0.
/// </summary>
internal static class LocalityPriorities
{
    public static void Assign(ClusterEndpoints endpoints, Cluster cluster, ProxyRequest proxy, LocalityLoadBalancerSetting? setting)
    {
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
