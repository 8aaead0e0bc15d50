using System.Net;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Runtime;

/// <summary>
/// The connection pool towards a cluster's hosts: one <see cref="SocketsHttpHandler"/> behind an
/// <see cref="HttpMessageInvoker"/> (never HttpClient, which would buffer). Reused across snapshots while the
/// cluster's connection settings stay the same, so connections stay warm through config changes.
/// </summary>
internal sealed class UpstreamPool : IDisposable
{
    public UpstreamPool(ConnectionPool settings)
    {
        Key = KeyOf(settings);
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
        if (settings.TcpKeepalive)
        {
            handler.ConnectCallback = async (context, cancel) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    ApplyKeepalive(socket, settings);
                    await socket.ConnectAsync(context.DnsEndPoint, cancel).ConfigureAwait(false);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
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

    public static string KeyOf(ConnectionPool s) =>
        $"{s.ConnectTimeoutMs}|{s.IdleTimeoutMs}|{s.MaxConnectionDurationMs}|{s.MaxConnections}|{s.TcpKeepalive}|{s.KeepaliveProbes}|{s.KeepaliveTimeMs}|{s.KeepaliveIntervalMs}";

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
