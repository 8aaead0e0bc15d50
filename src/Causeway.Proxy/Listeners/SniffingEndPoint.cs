using System.Net;

namespace Causeway.Proxy.Listeners;

/// <summary>Which HTTP version a sniffed connection speaks.</summary>
public enum SniffedProtocol
{
    Http1,
    Http2,
}

/// <summary>
/// One of the two Kestrel endpoints behind a single listening socket: Kestrel binds an HTTP/1.1 endpoint and an
/// HTTP/2 (prior knowledge, h2c) endpoint on the same address, and <see cref="SniffingListenerFactory"/> hands each
/// accepted connection to the one its first bytes call for.
/// </summary>
public sealed class SniffingEndPoint(IPEndPoint address, SniffedProtocol protocol) : EndPoint
{
    public IPEndPoint Address { get; } = address;

    public SniffedProtocol Protocol { get; } = protocol;

    public override System.Net.Sockets.AddressFamily AddressFamily => Address.AddressFamily;

    public override string ToString() => $"{Address} ({(Protocol == SniffedProtocol.Http2 ? "h2c" : "http/1.1")})";
}
