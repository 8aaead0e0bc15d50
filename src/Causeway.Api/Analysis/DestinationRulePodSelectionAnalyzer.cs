using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Kubernetes;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0174 when a DestinationRule's host is no known service; IST0173 when a subset's labels select none of the
/// service's pods (traffic to it would get 503 UH). A pod's labels include its node's topology labels, as Istio's
/// endpoints carry them. Mirrors Istio's destinationrule.PodNotSelectedAnalyzer.
/// </summary>
internal sealed class DestinationRulePodSelectionAnalyzer : IAnalyzer
{
    public string Name => "destinationrule.PodNotSelectedAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.UnknownDestinationRuleHost, MessageTypes.DestinationRuleSubsetNotSelectPods];

    public void Analyze(AnalysisContext ctx)
    {
        var nodes = ctx.OfKind<Node>().ToDictionary(n => n.Resource.Name, n => n.Resource.Labels, StringComparer.Ordinal);
        foreach (var (source, dr) in ctx.OfKind<DestinationRule>())
        {
            var ns = ctx.NamespaceOf(source);
            var host = dr.Spec.Host ?? "";
            if (host.Contains('*', StringComparison.Ordinal))
            {
                continue;
            }

            var service = ctx.FindDestination(ns, dr.Spec.ExportTo, host);
            if (service is null)
            {
                ctx.Report(MessageTypes.UnknownDestinationRuleHost, source, $"DestinationRule for non-existent service {host}",
                    ValidationPaths.Spec.Field("host"), "the rule is ignored until a Service or ServiceEntry with this host exists");
                continue;
            }

            if (service.Source.Resource is not Service || service.Selector is null or { Count: 0 })
            {
                continue;
            }

            var podLabels = Selectors.Workloads(ctx, service.Selector, service.Namespace)
                .Select(w => WithNodeLabels(w, nodes)).ToList();
            var subsets = dr.Spec.Subsets ?? [];
            for (var i = 0; i < subsets.Count; i++)
            {
                var labels = subsets[i].Labels;
                if (labels is null or { Count: 0 })
                {
                    continue;
                }

                if (!podLabels.Any(p => labels.All(kv => kv.Value.Length > 0 && p.TryGetValue(kv.Key, out var v) && v == kv.Value)))
                {
                    ctx.Report(MessageTypes.DestinationRuleSubsetNotSelectPods, source,
                        $"The Subset {subsets[i].Name} defined in the DestinationRule does not select any pods, which may lead to 503 UH (NoHealthyUpstream).",
                        ValidationPaths.Spec.Field("subsets").At(i).Field("labels"), "check the subset labels against the pods' labels");
                }
            }
        }
    }

    private static Dictionary<string, string> WithNodeLabels(WorkloadRecord workload, Dictionary<string, IReadOnlyDictionary<string, string>> nodes)
    {
        var labels = new Dictionary<string, string>(workload.Labels, StringComparer.Ordinal);
        if (workload.NodeName is { } nodeName && nodes.TryGetValue(nodeName, out var nodeLabels))
        {
            foreach (var (k, v) in nodeLabels)
            {
                if (v.Length > 0 && (k.StartsWith("topology.", StringComparison.Ordinal) || k == "kubernetes.io/hostname"))
                {
                    labels.TryAdd(k, v);
                }
            }
        }

        return labels;
    }
}
