using System.Net;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Runtime;

/// <summary>
/// The connection pool towards a cluster's hosts: one <see cref="SocketsHttpHandler"/> behind an
/// <see cref="HttpMessageInvoker"/> (never HttpClient, which would buffer). Reused across snapshots while the
/// cluster's connection settings stay the same, so connections stay warm through config changes. A cluster that
/// originates TLS gets a pool of its own whose connections are handshaken here (SNI, verification, client
/// certificate, ALPN h2 or http/1.1 for the request's version); the handler then speaks HTTP over them as over plaintext.
/// </summary>
internal sealed class UpstreamPool : IDisposable
{
    public UpstreamPool(ConnectionPool settings, Security.UpstreamTlsContext? tls = null)
    {
        Key = KeyOf(settings, tls);
        Tls = tls;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
            ConnectTimeout = settings.ConnectTimeoutMs > 0 ? TimeSpan.FromMilliseconds(settings.ConnectTimeoutMs) : TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = settings.IdleTimeoutMs > 0 ? TimeSpan.FromMilliseconds(settings.IdleTimeoutMs) : TimeSpan.FromHours(1),
            PooledConnectionLifetime = settings.MaxConnectionDurationMs > 0 ? TimeSpan.FromMilliseconds(settings.MaxConnectionDurationMs) : Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = settings.MaxConnections > 0 ? (int)Math.Min(int.MaxValue, settings.MaxConnections) : int.MaxValue,
            EnableMultipleHttp2Connections = true,
            MaxResponseHeadersLength = 96,
        };
        if (settings.TcpKeepalive || tls is not null)
        {
            handler.ConnectCallback = async (context, cancel) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    ApplyKeepalive(socket, settings);
                    await socket.ConnectAsync(context.DnsEndPoint, cancel).ConfigureAwait(false);
                    var stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                    return tls is null
                        ? stream
                        : await tls.AuthenticateAsync(stream, context.InitialRequestMessage.Version.Major >= 2 ? System.Net.Security.SslApplicationProtocol.Http2 : System.Net.Security.SslApplicationProtocol.Http11, cancel).ConfigureAwait(false);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public string Key { get; }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>The TLS this pool's connections originate, if any (the TCP relay uses it too).</summary>
    public Security.UpstreamTlsContext? Tls { get; }

    public static string KeyOf(ConnectionPool s, Security.UpstreamTlsContext? tls) =>
        $"{s.ConnectTimeoutMs}|{s.IdleTimeoutMs}|{s.MaxConnectionDurationMs}|{s.MaxConnections}|{s.TcpKeepalive}|{s.KeepaliveProbes}|{s.KeepaliveTimeMs}|{s.KeepaliveIntervalMs}|{tls?.Key}";

    /// <summary>tcp.tcpKeepalive on a new upstream socket: SO_KEEPALIVE with the probes, idle time and interval given.</summary>
    public static void ApplyKeepalive(System.Net.Sockets.Socket socket, ConnectionPool s)
    {
        if (!s.TcpKeepalive)
        {
            return;
        }

        socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.KeepAlive, true);
        if (s.KeepaliveTimeMs > 0)
        {
            socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Tcp, System.Net.Sockets.SocketOptionName.TcpKeepAliveTime, (int)Math.Max(1, s.KeepaliveTimeMs / 1000));
        }

        if (s.KeepaliveIntervalMs > 0)
        {
            socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Tcp, System.Net.Sockets.SocketOptionName.TcpKeepAliveInterval, (int)Math.Max(1, s.KeepaliveIntervalMs / 1000));
        }

        if (s.KeepaliveProbes > 0)
        {
            socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Tcp, System.Net.Sockets.SocketOptionName.TcpKeepAliveRetryCount, (int)s.KeepaliveProbes);
        }
    }

    public void Dispose() => Invoker.Dispose();
}
