using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Telemetry;

namespace Causeway.Api.Analysis;

/// <summary>IST0101 / IST0159 for Telemetry selectors. Mirrors Istio's telemetry.SelectorAnalyzer.</summary>
internal sealed class TelemetrySelectorAnalyzer : IAnalyzer
{
    public string Name => "telemetry.SelectorAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.ReferencedResourceNotFound, MessageTypes.ConflictingTelemetryWorkloadSelectors];

    public void Analyze(AnalysisContext ctx) =>
        WorkloadPolicySelectorChecks.Check(ctx, Policies(ctx).Where(p => p.Selector is { Count: > 0 }).ToList(),
            MessageTypes.ConflictingTelemetryWorkloadSelectors, MessageTypes.MultipleTelemetriesWithoutWorkloadSelectors, "Telemetry");

    internal static List<WorkloadPolicySelectorChecks.Policy> Policies(AnalysisContext ctx) =>
        ctx.OfKind<Telemetry>()
            .Where(t => t.Resource.Spec.TargetRefs is null or { Count: 0 } && t.Resource.Spec.TargetRef is null)
            .Select(t => new WorkloadPolicySelectorChecks.Policy(t.Source, ctx.NamespaceOf(t.Source), t.Resource.Spec.Selector?.MatchLabels, ValidationPaths.Spec.Field("selector")))
            .ToList();
}

/// <summary>IST0160: more than one Telemetry without a selector in a namespace. Mirrors Istio's telemetry.DefaultSelectorAnalyzer.</summary>
internal sealed class TelemetryDefaultSelectorAnalyzer : IAnalyzer
{
    public string Name => "telemetry.DefaultSelectorAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.MultipleTelemetriesWithoutWorkloadSelectors];

    public void Analyze(AnalysisContext ctx) =>
        WorkloadPolicySelectorChecks.Check(ctx, TelemetrySelectorAnalyzer.Policies(ctx).Where(p => p.Selector is null or { Count: 0 }).ToList(),
            MessageTypes.ConflictingTelemetryWorkloadSelectors, MessageTypes.MultipleTelemetriesWithoutWorkloadSelectors, "Telemetry");
}
