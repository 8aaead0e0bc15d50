namespace Causeway.Api.Analysis;

/// <summary>
/// Istio's default gateway deployments (istio-ingressgateway / istio-egressgateway in the root namespace). When
/// analysing files without a cluster, a Gateway selecting <c>istio: ingressgateway</c> (or egressgateway) with no
/// matching workload in the input is assumed to run on these, with the ports of Istio's default Service: 80 and 443
/// map to 8080 and 8443 in the pod (which is why the Bookinfo gateway listens on 8080), plus the 15021 health port.
/// </summary>
internal sealed record IstioDefaultGateway(IReadOnlyList<uint> ListenPorts)
{
    private static readonly IstioDefaultGateway Default = new([8080, 8443, 15021]);

    public static IstioDefaultGateway? For(IReadOnlyDictionary<string, string>? selector) =>
        selector is { Count: 1 } && selector.TryGetValue("istio", out var v) && v is "ingressgateway" or "egressgateway" ? Default : null;
}
