using System.Net;
using System.Net.Sockets;

namespace Causeway.Proxy.Listeners;

/// <summary>How Kestrel must treat an accepted connection; one Kestrel endpoint per kind serves every listener.</summary>
internal enum ConnectionKind
{
    /// <summary>Plaintext HTTP/1.1 (sniffed: not the HTTP/2 preface).</summary>
    Http1,

    /// <summary>Plaintext HTTP/2 by prior knowledge (h2c, sniffed from its preface).</summary>
    Http2,

    /// <summary>TLS terminated here, then HTTP/1.1 or h2 by ALPN (gateway HTTPS servers).</summary>
    TlsHttp,

    /// <summary>TLS terminated here, then relayed as TCP (gateway TLS servers with TCP routes).</summary>
    TlsTcp,

    /// <summary>Opaque TCP, relayed.</summary>
    Tcp,
}

/// <summary>The Kestrel endpoint of one connection kind: not an address, a queue that the listening sockets feed.</summary>
internal sealed class KindEndPoint(ConnectionKind kind) : EndPoint
{
    public ConnectionKind Kind { get; } = kind;

    public override AddressFamily AddressFamily => AddressFamily.Unspecified;

    public override string ToString() => $"causeway:{Kind}";
}
