using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;
using Causeway.Translation.Registry;

namespace Causeway.Translation;

/// <summary>
/// Finds the DestinationRules for a host as Istio does: look in the client's namespace, then the service's, then
/// the root namespace, and take the first namespace that has a matching, visible rule (a rule in an unrelated
/// namespace never applies). Within it the most specific host wins (exact, then the longest wildcard); several rules
/// for the same host merge: the first trafficPolicy wins and the first definition of a subset name wins.
/// </summary>
internal sealed class DestinationRuleIndex(MeshState mesh)
{
    /// <summary>Rules by namespace, each list in creation order: a lookup scans three namespaces, not the whole mesh.</summary>
    private readonly Dictionary<string, List<(string Ns, string Host, string Name, DestinationRule Rule)>> byNamespace = mesh.DestinationRules
        .Select(d => (Ns: mesh.Names.NamespaceOf(d.Resource), Host: mesh.Names.Fqdn(d.Resource.Spec.Host ?? "", mesh.Names.NamespaceOf(d.Resource)), d.Resource.Name, Rule: d.Resource))
        .OrderBy(d => d.Rule.Metadata.CreationTimestamp ?? "", StringComparer.Ordinal)
        .ThenBy(d => d.Ns, StringComparer.Ordinal).ThenBy(d => d.Name, StringComparer.Ordinal)
        .GroupBy(d => d.Ns, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

    /// <summary>The index of a mesh state, built once per state and shared by every proxy's translation.</summary>
    public static DestinationRuleIndex For(MeshState mesh) => mesh.Cached(static m => new DestinationRuleIndex(m));

    public EffectiveDestinationRule Lookup(ServiceModel service, string proxyNamespace, IReadOnlyDictionary<string, string> proxyLabels)
    {
        foreach (var ns in new[] { proxyNamespace, service.Namespace, mesh.Names.RootNamespace }.Distinct())
        {
            if (!byNamespace.TryGetValue(ns, out var inNamespace))
            {
                continue;
            }

            var candidates = inNamespace.Where(r => Applies(r.Rule, r.Ns, proxyNamespace, proxyLabels) && HostMatches(service.Hostname, r.Host)).ToList();
            if (candidates.Count == 0)
            {
                continue;
            }

            var bestSpecificity = candidates.Max(c => Specificity(c.Host));
            var chosen = candidates.Where(c => Specificity(c.Host) == bestSpecificity).ToList();
            TrafficPolicy? policy = null;
            var subsets = new Dictionary<string, Subset>(StringComparer.Ordinal);
            foreach (var c in chosen)
            {
                policy ??= c.Rule.Spec.TrafficPolicy;
                foreach (var s in c.Rule.Spec.Subsets ?? [])
                {
                    if (s.Name is { } name)
                    {
                        subsets.TryAdd(name, s);
                    }
                }
            }

            return new EffectiveDestinationRule(policy, subsets, string.Join(",", chosen.Select(c => $"{c.Ns}/{c.Name}")));
        }

        return EffectiveDestinationRule.None;
    }

    private static bool Applies(DestinationRule rule, string ruleNs, string proxyNs, IReadOnlyDictionary<string, string> labels)
    {
        if (rule.Spec.WorkloadSelector?.MatchLabels is { Count: > 0 } selector &&
            (ruleNs != proxyNs || !ServiceEntryRegistry.Matches(selector, labels)))
        {
            return false;
        }

        var exportTo = rule.Spec.ExportTo;
        return exportTo is null or { Count: 0 } || exportTo.Contains("*") || exportTo.Contains(proxyNs) || (exportTo.Contains(".") && ruleNs == proxyNs);
    }

    internal static bool HostMatches(string host, string pattern) =>
        pattern == "*" || host == pattern || (pattern.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(pattern[1..], StringComparison.Ordinal));

    /// <summary>Exact hosts rank above wildcards; longer wildcards above shorter ones.</summary>
    private static int Specificity(string pattern) => pattern.StartsWith('*') ? pattern.Length : int.MaxValue;
}
