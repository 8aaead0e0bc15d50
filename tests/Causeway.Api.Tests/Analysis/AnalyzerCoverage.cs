namespace Causeway.Api.Tests.Analysis;

/// <summary>
/// How each of Istio's analyzers maps onto Causeway: the analyzer that reproduces it (null: the loader/validator
/// reports the message itself), or the reason it is deferred. docs/analyzers.md carries the same list for users.
/// </summary>
internal static class AnalyzerCoverage
{
    /// <summary>
    /// <paramref name="Causeway"/> names our analyzer; when null, the loader and validator report the messages
    /// (<paramref name="ValidatorCodes"/>) themselves, as Istio's schema validation does.
    /// </summary>
    public sealed record Entry(string? Causeway, string? DeferredBecause = null, string[]? ValidatorCodes = null);

    private const string Installation = "about Istio's own installation (injection webhooks, revisions, proxy images); returns with the Kubernetes issue";
    private const string EnvoyFilter = "EnvoyFilter patches Envoy's configuration; Causeway does not use Envoy and ignores EnvoyFilter (with a warning)";

    private const string GatewayApi = "Kubernetes Gateway API kinds (gateway.networking.k8s.io Gateway, HTTPRoute, GRPCRoute) are not read by Causeway yet";

    /// <summary>Single cases that cannot be replayed as written, and why.</summary>
    public static readonly Dictionary<int, string> SkippedCases = new()
    {
        [41] = GatewayApi + "; the VirtualServices here bind to such a Gateway",
        [10] = "the stored input has no gateway Pod or Service; upstream's expectation (port 80 served, 8004 not) relies on a default ingress gateway its harness provides",
        [11] = "the stored input has no gateway Pod or Service; upstream's expectation (port 80 served) relies on a default ingress gateway its harness provides",
    };

    /// <summary>
    /// Changes to a case's expected messages, with the reason: an entry is removed from the expectation, added when
    /// written with a leading '-', or (leading '~' and a resource) messages about that resource are left out. Each is a documented difference between the stored corpus and the expectation, or a
    /// kind Causeway does not read.
    /// </summary>
    public static readonly Dictionary<int, (string[] Changes, string Reason)> ExpectationAdjustments = new()
    {
        [13] = (["IST0162 Gateway httpbin-gateway"],
            "upstream now compares server ports with the Service's targetPort (gateway.go, 'TargetPort that reaches the workload'); the stored input (port 8003 -> targetPort 80, server 80) predates that rule and is consistent under it"),
        [15] = (["-IST0162 Gateway httpbin-gateway"],
            "under upstream's current targetPort rule the stored input (port 80 -> targetPort 8003, server 80) is a mismatch; the expectation predates the rule"),
        [63] = (["~VirtualService default/many-dups-case"],
            "the table lists no message for many-dups-case, yet 10 of its 14 rules repeat an earlier match exactly; Causeway reports them by the same rule the table expects for duplicate-match"),
        [17] = (["-IST0161 Gateway defaultgateway-noerrors"],
            "the stored gateway-secrets.yaml gives httpbin-credential the same non-certificate content (\"hush hush hush\") that case 18 expects to be rejected as IST0161; Causeway rejects it in both"),
        [38] = (["IST0101 VirtualService default/reviews-bogushost"],
            "the expectation counts reviews-bogushost twice, but the stored input (commit 29bcc3ca) gives it a single unknown destination; we expect one"),
        [99] = (["IST0171 Gateway default/negative-condition-gateway", "IST0171 HTTPRoute default/negative-condition-httproute", "IST0171 GRPCRoute default/negative-condition-grpcroute"],
            GatewayApi),
    };

    public static readonly Dictionary<string, Entry> Map = new(StringComparer.Ordinal)
    {
        ["virtualservice.DestinationHostAnalyzer"] = new("virtualservice.DestinationHostAnalyzer"),
        ["virtualservice.DestinationRuleAnalyzer"] = new("virtualservice.DestinationRuleAnalyzer"),
        ["virtualservice.GatewayAnalyzer"] = new("virtualservice.GatewayAnalyzer"),
        ["virtualservice.ConflictingMeshGatewayHostsAnalyzer"] = new("virtualservice.ConflictingMeshGatewayHostsAnalyzer"),
        ["deprecation.FieldAnalyzer"] = new(null, ValidatorCodes: ["IST0002"]),
        ["schema validation analyzer for the VirtualService collection"] = new(null, ValidatorCodes: ["IST0130", "IST0131"]),
        ["annotations.K8sAnalyzer"] = new(null, "Istio's annotation catalogue (which annotations exist, on which kinds, their maturity) arrives with the Kubernetes issue"),
        ["maturity.AlphaAnalyzer"] = new(null, "Istio's annotation catalogue (which annotations exist, on which kinds, their maturity) arrives with the Kubernetes issue"),
        ["externalcontrolplane.ExternalControlPlaneAnalyzer"] = new(null, Installation),
        ["injection.Analyzer"] = new(null, Installation),
        ["injection.ImageAnalyzer"] = new(null, Installation),
        ["injection.ImageAutoAnalyzer"] = new(null, Installation),
        ["webhook.Analyzer"] = new(null, Installation),
        ["multicluster.MeshNetworksAnalyzer"] = new(null, "multicluster mesh networks are not part of Causeway yet; the input file is also missing from the corpus"),
        ["authn.BlockedCIDRsAnalyzer"] = new(null, "checks an environment variable of the istiod Deployment; Causeway's control plane has its own settings"),
        ["k8sgateway.CRDVersionAnalyzer"] = new(null, "Kubernetes Gateway API CRDs are not read by Causeway yet"),
        ["k8sgateway.SelectorAnalyzer"] = new(null, "Kubernetes Gateway API (gateway.networking.k8s.io) is not read by Causeway yet"),
        ["destinationrule.WaypointWorkloadSelectorAnalyzer"] = new(null, "ambient waypoints are not part of Causeway's sidecar model"),
        ["envoyfilter.EnvoyPatchAnalyzer"] = new(null, EnvoyFilter),
        ["telemetry.LightstepAnalyzer"] = new(null, "checks Istio mesh-config tracing providers (Lightstep) that Causeway does not offer"),
    };
}
