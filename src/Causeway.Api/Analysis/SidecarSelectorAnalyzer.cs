using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Kubernetes;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0101 / IST0110 / IST0111 for Sidecar selectors (see <see cref="WorkloadPolicySelectorChecks"/>), and IST0167
/// for Sidecars that cannot take effect because their workloads run in ambient mode (no sidecar proxy).
/// Mirrors Istio's sidecar.SelectorAnalyzer.
/// </summary>
internal sealed class SidecarSelectorAnalyzer : IAnalyzer
{
    public string Name => "sidecar.SelectorAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } =
    [
        MessageTypes.ReferencedResourceNotFound, MessageTypes.ConflictingSidecarWorkloadSelectors,
        MessageTypes.MultipleSidecarsWithoutWorkloadSelectors, MessageTypes.IneffectivePolicy,
    ];

    public void Analyze(AnalysisContext ctx)
    {
        var sidecars = ctx.OfKind<Sidecar>().ToList();
        var policies = sidecars.Select(s => new WorkloadPolicySelectorChecks.Policy(
            s.Source, ctx.NamespaceOf(s.Source), s.Resource.Spec.WorkloadSelector?.Labels, ValidationPaths.Spec.Field("workloadSelector"))).ToList();
        WorkloadPolicySelectorChecks.Check(ctx, policies, MessageTypes.ConflictingSidecarWorkloadSelectors, MessageTypes.MultipleSidecarsWithoutWorkloadSelectors, "Sidecar");

        var ambientNamespaces = ctx.OfKind<Namespace>().Where(n => IsAmbient(n.Resource)).Select(n => n.Resource.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var policy in policies)
        {
            string? reason = null;
            if (policy.Selector is null or { Count: 0 })
            {
                if (ambientNamespaces.Contains(policy.Namespace))
                {
                    reason = $"namespace {policy.Namespace} runs in ambient mode";
                }
            }
            else if (Selectors.Workloads(ctx, policy.Selector, policy.Namespace).Any(p => p.Annotations.TryGetValue("ambient.istio.io/redirection", out var v) && v == "enabled"))
            {
                reason = "the selected pods run in ambient mode";
            }

            if (reason is not null)
            {
                ctx.Report(MessageTypes.IneffectivePolicy, policy.Source, $"The Sidecar has no effect: {reason}, where there is no sidecar proxy.",
                    Diagnostics.FieldPath.Root.Field("metadata").Field("name"), "remove it, or move the workloads out of ambient mode");
            }
        }
    }

    /// <summary>Ambient unless sidecar injection is also switched on for the namespace (which wins).</summary>
    private static bool IsAmbient(Namespace ns) =>
        ns.Labels.TryGetValue("istio.io/dataplane-mode", out var mode) && mode == "ambient" &&
        !(ns.Labels.TryGetValue("istio-injection", out var inj) && inj == "enabled") && !ns.Labels.ContainsKey("istio.io/rev");
}
