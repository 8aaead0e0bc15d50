using Causeway.Api.Diagnostics;
using Causeway.Api.Model;
using Causeway.Api.Model.Networking;
using Causeway.Api.Model.Security;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0149: a gateway-bound VirtualService routes on <c>@request.auth.claims</c> but no RequestAuthentication applies
/// to the gateway's workloads, so there are no claims to match and the route never matches.
/// Mirrors Istio's virtualservice.JWTClaimRouteAnalyzer.
/// </summary>
internal sealed class JwtClaimRouteAnalyzer : IAnalyzer
{
    public string Name => "virtualservice.JWTClaimRouteAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.JwtClaimBasedRoutingWithoutRequestAuthN];

    public void Analyze(AnalysisContext ctx)
    {
        var authentications = ctx.OfKind<RequestAuthentication>().ToList();
        foreach (var (source, vs) in ctx.OfKind<VirtualService>())
        {
            if (!UsesClaims(vs))
            {
                continue;
            }

            var vsNs = ctx.NamespaceOf(source);
            foreach (var reference in vs.Spec.Gateways ?? [])
            {
                if (reference == IstioDefaults.MeshGateway)
                {
                    continue;
                }

                var (gwNs, gwName) = VirtualServiceGatewayAnalyzer.SplitReference(reference, vsNs);
                if (ctx.FindGateway(gwNs, gwName)?.Resource is not Gateway gateway)
                {
                    continue;
                }

                var covered = authentications.Any(ra =>
                {
                    var raNs = ctx.NamespaceOf(ra.Source);
                    var selector = ra.Resource.Spec.Selector?.MatchLabels;
                    var scopeOk = raNs == ctx.Options.RootNamespace || Selectors.Workloads(ctx, gateway.Spec.Selector, raNs).Any();
                    return scopeOk && (selector is null or { Count: 0 } || Selectors.IsSubset(selector, gateway.Spec.Selector));
                });
                if (!covered)
                {
                    ctx.Report(MessageTypes.JwtClaimBasedRoutingWithoutRequestAuthN, source,
                        $"Ensure that a RequestAuthentication applies to the workloads of gateway {gwNs}/{gwName} (selector {Selectors.Format(gateway.Spec.Selector)}): this VirtualService routes on JWT claims.",
                        ValidationPaths.Spec.Field("http"), "add a RequestAuthentication whose selector matches the gateway pods");
                }
            }
        }
    }

    private static bool UsesClaims(VirtualService vs) =>
        (vs.Spec.Http ?? []).Any(h => (h.Match ?? []).Any(m =>
            (m.Headers?.Keys ?? Enumerable.Empty<string>()).Concat(m.WithoutHeaders?.Keys ?? Enumerable.Empty<string>())
                .Any(k => k.StartsWith("@request.auth.claims", StringComparison.Ordinal))));
}
