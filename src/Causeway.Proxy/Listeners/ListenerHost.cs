using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Causeway.Protocol.V1;
using Causeway.Proxy.Forwarding;
using Causeway.Proxy.Runtime;
using Causeway.Proxy.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// One listener as a Kestrel server: HTTP listeners take HTTP/1.1 and h2c on one port (through the sniffing
/// transport) and hand every request to the shared request handler with the listener's name; TCP listeners relay
/// connections. The listener's behaviour comes from the current snapshot on each request, so a config change does
/// not restart it; only a change of address, port or protocol does.
/// </summary>
internal sealed class ListenerHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private ListenerHost(WebApplication app, IPEndPoint bind, string key)
    {
        this.app = app;
        Bind = bind;
        Key = key;
    }

    public IPEndPoint Bind { get; }

    /// <summary>What identifies the listener's socket: address, port and protocol.</summary>
    public string Key { get; }

    public static async Task<ListenerHost> StartAsync(Listener listener, IPEndPoint bind, ProxyState state, ProxyStats stats, ProxyRequestHandler handler, SniffingListenerFactory sniffing)
    {
        var counters = stats.Listener(listener.Name);
        var builder = LeanWebHost.CreateBuilder();
        builder.Services.AddSingleton<IConnectionListenerFactory>(sniffing);
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = null; // streamed, never buffered: no reason to cap it here
            if (listener.Tls is not null)
            {
                // TLS terminated here; HTTP/1.1 or h2 is then chosen by ALPN, so no sniffing is needed.
                options.Listen(bind, l =>
                {
                    CountConnections(l, counters);
                    l.Protocols = listener.Protocol == ListenerProtocol.Tcp ? HttpProtocols.None : HttpProtocols.Http1AndHttp2;
                    l.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = c => Handshake(state, listener.Name, c), HandshakeTimeout = TimeSpan.FromSeconds(10) });
                    if (listener.Protocol == ListenerProtocol.Tcp)
                    {
                        var relay = new TcpRelay(state, stats, listener.Name, Random.Shared);
                        l.Use(_ => relay.HandleAsync);
                    }
                });
            }
            else if (listener.Protocol == ListenerProtocol.Tcp)
            {
                var relay = new TcpRelay(state, stats, listener.Name, Random.Shared);
                options.Listen(bind, l =>
                {
                    CountConnections(l, counters);
                    l.Use(_ => relay.HandleAsync);
                });
            }
            else
            {
                options.Listen(new SniffingEndPoint(bind, SniffedProtocol.Http1), l =>
                {
                    CountConnections(l, counters);
                    l.Protocols = HttpProtocols.Http1;
                });
                options.Listen(new SniffingEndPoint(bind, SniffedProtocol.Http2), l =>
                {
                    CountConnections(l, counters);
                    l.Protocols = HttpProtocols.Http2;
                });
            }
        });
        var app = builder.Build();
        app.Run(ctx => handler.HandleAsync(ctx, counters));
        await app.StartAsync().ConfigureAwait(false);
        return new ListenerHost(app, bind, KeyOf(listener, bind));
    }

    /// <summary>
    /// Downstream connections, counted before TLS and HTTP see them (Envoy's listener downstream_cx_*), each given its
    /// original destination (read from the socket only if asked).
    /// </summary>
    private static void CountConnections(ListenOptions listen, Telemetry.ListenerCounters counters) =>
        listen.Use(next => async connection =>
        {
            OriginalDestination.Attach(connection.Features);
            counters.ConnectionOpened();
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                counters.ConnectionClosed();
            }
        });

    /// <summary>Certificates are chosen from the current snapshot at each handshake, so rotating one needs no restart.</summary>
    private static ValueTask<SslServerAuthenticationOptions> Handshake(ProxyState state, string listenerName, TlsHandshakeCallbackContext context) =>
        state.Current?.Tls.GetValueOrDefault(listenerName) is { } tls
            ? ValueTask.FromResult(tls.OptionsFor(context.ClientHelloInfo.ServerName))
            : ValueTask.FromException<SslServerAuthenticationOptions>(new AuthenticationException($"listener {listenerName} has no TLS configuration"));

    public static string KeyOf(Listener listener, IPEndPoint bind) => $"{listener.Name}|{bind}|{listener.Protocol}|{(listener.Tls is null ? "plain" : "tls")}";

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
