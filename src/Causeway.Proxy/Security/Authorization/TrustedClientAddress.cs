namespace Causeway.Proxy.Security.Authorization;

/// <summary>
/// The original client's address for <c>remoteIpBlocks</c> and <c>remote.ip</c>, as Envoy derives it with Istio's
/// <c>gatewayTopology.numTrustedProxies</c> (Envoy's xff_num_trusted_hops): with N trusted proxies in front, the
/// client is the Nth address from the right of the X-Forwarded-For that arrived (istio.io "Configuring Gateway
/// Network Topology": N=2 and <c>56.5.6.7, 72.9.5.6, 98.1.2.3</c> give 72.9.5.6). With N=0 (the default), or fewer
/// addresses than N, or one that is not an IP address, it is the connection's own peer: a client cannot pick it.
/// </summary>
public static class TrustedClientAddress
{
    public static string From(string? forwardedFor, uint trustedProxies, string connectionAddress)
    {
        if (trustedProxies == 0 || string.IsNullOrEmpty(forwardedFor))
        {
            return connectionAddress;
        }

        var hops = forwardedFor.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (hops.Length < trustedProxies)
        {
            return connectionAddress;
        }

        var chosen = hops[hops.Length - (int)trustedProxies];
        return System.Net.IPAddress.TryParse(chosen, out var address) ? address.ToString() : connectionAddress;
    }
}
