namespace Causeway.Proxy.Listeners;

/// <summary>
/// Which Gateway server a TLS connection's handshake chose (by SNI), set on the connection at the handshake: its
/// requests use that server's route table, as Envoy routes by the filter chain the connection matched.
/// </summary>
internal sealed class ChosenServerFeature(string routeTable)
{
    public string RouteTable { get; } = routeTable;
}
