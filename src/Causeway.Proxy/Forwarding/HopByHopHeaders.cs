namespace Causeway.Proxy.Forwarding;

/// <summary>Headers that describe one connection and must not be forwarded (RFC 9110 section 7.6.1).</summary>
internal static class HopByHopHeaders
{
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "Http2-Settings",
    };

    public static bool Contains(string name) => Names.Contains(name) || name.StartsWith(':');
}
