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
    uint ListenerPort);

/// <summary>A destination a route refers to, resolved to a service when the registry has it.</summary>
internal sealed record ClusterRef(string Host, uint Port, string Subset, ServiceModel? Service)
{
    public string Name => ClusterNames.Outbound(Port, Subset, Host);
}
