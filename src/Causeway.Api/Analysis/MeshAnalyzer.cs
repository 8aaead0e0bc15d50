using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;

namespace Causeway.Api.Analysis;

/// <summary>Runs every analyzer over a set of validated resources (what <c>causeway analyze</c> adds to validate).</summary>
public static class MeshAnalyzer
{
    internal static readonly IAnalyzer[] All =
    [
        new VirtualServiceDestinationHostAnalyzer(),
        new VirtualServiceDestinationRuleAnalyzer(),
        new VirtualServiceGatewayAnalyzer(),
        new ConflictingMeshGatewayHostsAnalyzer(),
        new GatewayPortAnalyzer(),
        new ConflictingGatewayAnalyzer(),
        new GatewayCertificateAnalyzer(),
        new DestinationRuleCaCertificateAnalyzer(),
        new DestinationRulePodSelectionAnalyzer(),
        new ServiceEntryAddressesAnalyzer(),
        new ServiceEntryProtocolConflictAnalyzer(),
        new ServicePortNameAnalyzer(),
        new SidecarSelectorAnalyzer(),
        new TelemetrySelectorAnalyzer(),
        new TelemetryDefaultSelectorAnalyzer(),
        new TelemetryProviderAnalyzer(),
        new ApplicationUidAnalyzer(),
        new DeploymentServiceAssociationAnalyzer(),
        new ConditionAnalyzer(),
        new JwtClaimRouteAnalyzer(),
        new GatewaySecretAnalyzer(),
        new AuthorizationPolicyAnalyzer(),
    ];

    public static IReadOnlyList<string> AnalyzerNames => All.Select(a => a.Name).ToList();

    public static List<Diagnostic> Analyze(IReadOnlyList<LoadedResource> resources, AnalysisOptions? options = null) =>
        Run(resources, options ?? new AnalysisOptions(), All);

    /// <summary>Runs the named analyzers only (Istio's tests run one analyzer per case).</summary>
    public static List<Diagnostic> Analyze(IReadOnlyList<LoadedResource> resources, AnalysisOptions options, IEnumerable<string> analyzerNames)
    {
        var names = analyzerNames.ToHashSet(StringComparer.Ordinal);
        var unknown = names.Where(n => All.All(a => a.Name != n)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown analyzer(s): {string.Join(", ", unknown)}");
        }

        return Run(resources, options, All.Where(a => names.Contains(a.Name)));
    }

    private static List<Diagnostic> Run(IReadOnlyList<LoadedResource> resources, AnalysisOptions options, IEnumerable<IAnalyzer> analyzers)
    {
        var ctx = new AnalysisContext(resources, options);
        foreach (var analyzer in analyzers)
        {
            analyzer.Analyze(ctx);
        }

        return ctx.Diagnostics;
    }
}
