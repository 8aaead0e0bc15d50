namespace Causeway.Proxy.Runtime;

/// <summary>How a cluster's upstream connections speak, decided once per snapshot from the port's declared protocol.</summary>
public enum UpstreamProtocol
{
    /// <summary>HTTP, HTTPS, TCP and the rest: HTTP/1.1 upstream.</summary>
    Http1,

    /// <summary>HTTP2, GRPC: h2c upstream.</summary>
    Http2,

    /// <summary>No protocol declared (Istio's protocol sniffing): HTTP/2 upstream when the request came as HTTP/2, else HTTP/1.1.</summary>
    Auto,
}
