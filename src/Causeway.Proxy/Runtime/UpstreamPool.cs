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
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public string Key { get; }

    public HttpMessageInvoker Invoker { get; }

    public static string KeyOf(ConnectionPool s) =>
        $"{s.ConnectTimeoutMs}|{s.IdleTimeoutMs}|{s.MaxConnectionDurationMs}|{s.MaxConnections}";

    public void Dispose() => Invoker.Dispose();
}
