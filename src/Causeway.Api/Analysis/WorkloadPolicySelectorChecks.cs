using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;

namespace Causeway.Api.Analysis;

/// <summary>
/// The checks Istio applies to every namespace-scoped, workload-selecting policy kind (Sidecar, Telemetry): the
/// selector must match a workload in the namespace; two selectors must not pick the same pod; and at most one
/// policy per namespace may omit the selector.
/// </summary>
internal static class WorkloadPolicySelectorChecks
{
    public sealed record Policy(LoadedResource Source, string Namespace, IReadOnlyDictionary<string, string>? Selector, Diagnostics.FieldPath SelectorPath);

    public static void Check(AnalysisContext ctx, IReadOnlyList<Policy> policies, MessageType conflictingSelectors, MessageType multipleDefaults, string kind)
    {
        var pods = ctx.Workloads;
        var selectorsByPod = new Dictionary<LoadedResource, List<Policy>>();
        foreach (var policy in policies.Where(p => p.Selector is { Count: > 0 }))
        {
            var matched = pods.Where(p => p.Namespace == policy.Namespace && Selectors.Matches(policy.Selector, p.Labels)).ToList();
            if (matched.Count == 0)
            {
                ctx.Report(MessageTypes.ReferencedResourceNotFound, policy.Source, $"Referenced selector not found: \"{Selectors.Format(policy.Selector)}\"",
                    policy.SelectorPath, $"no workload in namespace {policy.Namespace} has these labels");
            }

            foreach (var pod in matched)
            {
                if (!selectorsByPod.TryGetValue(pod.Source, out var list))
                {
                    selectorsByPod[pod.Source] = list = [];
                }

                list.Add(policy);
            }
        }

        var reported = new HashSet<LoadedResource>();
        foreach (var (pod, list) in selectorsByPod)
        {
            if (list.Count < 2)
            {
                continue;
            }

            foreach (var policy in list)
            {
                if (reported.Add(policy.Source))
                {
                    var others = string.Join(", ", list.Where(o => o != policy).Select(o => $"{o.Namespace}/{o.Source.Resource.Name}"));
                    ctx.Report(conflictingSelectors, policy.Source,
                        $"The {kind}s {policy.Namespace}/{policy.Source.Resource.Name}, {others} in namespace {policy.Namespace} select the same workload pod \"{pod.Resource.Name}\", which can lead to undefined behavior.",
                        policy.SelectorPath, "make the selectors disjoint or merge the resources");
                }
            }
        }

        foreach (var group in policies.Where(p => p.Selector is null or { Count: 0 }).GroupBy(p => p.Namespace))
        {
            var list = group.ToList();
            if (list.Count < 2)
            {
                continue;
            }

            foreach (var policy in list)
            {
                var names = string.Join(", ", list.Select(o => o.Source.Resource.Name));
                ctx.Report(multipleDefaults, policy.Source,
                    $"The {kind}s [{names}] in namespace {group.Key} have no workload selector, which can lead to undefined behavior.",
                    Diagnostics.FieldPath.Root.Field("metadata").Field("name"), $"keep one {kind} without a selector per namespace");
            }
        }
    }
}
