using Causeway.Api.Model;
using Causeway.Translation.Registry;

namespace Causeway.Translation;

/// <summary>
/// What route translation needs to know about where the routes will run: the proxy (for sourceLabels and
/// sourceNamespace), the gateway keys or the mesh (for per-match gateways), and the listener port (the default
/// destination port when a destination names none).
/// </summary>
internal sealed record RouteContext(
    ProxyRequest Proxy,
    IReadOnlySet<string> Gateways,
    bool IsMesh,
    uint ListenerPort)
{
    /// <summary>
    /// Whether a match's own <c>gateways</c>, <c>sourceLabels</c> and <c>sourceNamespace</c> let it apply here (the
    /// match's gateways override the VirtualService's; <c>mesh</c> names the sidecars).
    /// </summary>
    public bool Admits(List<string>? gateways, Dictionary<string, string>? sourceLabels, string? sourceNamespace) =>
        (gateways is not { Count: > 0 } || gateways.Any(g => g == IstioDefaults.MeshGateway ? IsMesh : Gateways.Contains(g) || Gateways.Any(k => k.EndsWith("/" + g, StringComparison.Ordinal)))) &&
        (sourceLabels is not { Count: > 0 } || ServiceEntryRegistry.Matches(sourceLabels, Proxy.Labels)) &&
        (string.IsNullOrEmpty(sourceNamespace) || sourceNamespace == Proxy.Namespace);
}

/// <summary>A destination a route refers to, resolved to a service when the registry has it.</summary>
internal sealed record ClusterRef(string Host, uint Port, string Subset, ServiceModel? Service)
{
    public string Name => ClusterNames.Outbound(Port, Subset, Host);
}
