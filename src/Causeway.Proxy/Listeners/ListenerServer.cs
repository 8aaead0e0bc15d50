using Causeway.Protocol.V1;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Causeway.Proxy.Forwarding;
using Causeway.Proxy.Runtime;
using Causeway.Proxy.Telemetry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// The proxy's one Kestrel server: the admin listener (a plain address) and one endpoint per connection kind
/// (plaintext HTTP/1.1 and h2c, TLS with HTTP or TCP inside, TCP), which every snapshot listener's socket feeds through
/// <see cref="ListenerTransport"/>. Measured against a Kestrel host per listener (bench/README.md): about 0.24 MB of
/// memory and a thread per listener saved. Requests go to the request handler with their listener, or to the admin
/// handler when they came to the admin address.
/// </summary>
internal sealed class ListenerServer : IAsyncDisposable
{
    private readonly ServiceProvider services;
    private readonly IServer server;

    private ListenerServer(ServiceProvider services, IServer server, ListenerTransport transport, int adminPort)
    {
        this.services = services;
        this.server = server;
        Transport = transport;
        AdminPort = adminPort;
    }

    public ListenerTransport Transport { get; }

    public int AdminPort { get; }

    public static async Task<ListenerServer> StartAsync(IPEndPoint admin, RequestDelegate adminHandler, ProxyState state, ProxyStats stats, ProxyRequestHandler handler,
        IPEndPoint? status = null, RequestDelegate? statusHandler = null)
    {
        ListenOptions? statusOptions = null;
        var transport = new ListenerTransport();
        var relay = new TcpRelay(state, stats, Random.Shared);
        ListenOptions? adminOptions = null;
        var (server, services) = KestrelServices.Create(options =>
        {
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = null; // streamed, never buffered: no reason to cap it here
            options.Listen(admin, l => adminOptions = l);
            if (status is not null)
            {
                options.Listen(status, l => statusOptions = l);
            }

            options.Listen(new KindEndPoint(ConnectionKind.Http1), l =>
            {
                CountConnections(l);
                l.Protocols = HttpProtocols.Http1;
            });
            options.Listen(new KindEndPoint(ConnectionKind.Http2), l =>
            {
                CountConnections(l);
                l.Protocols = HttpProtocols.Http2;
            });
            // TLS terminated here: HTTP/1.1 or h2 is then chosen by ALPN, so no sniffing is needed.
            options.Listen(new KindEndPoint(ConnectionKind.TlsHttp), l =>
            {
                CountConnections(l);
                l.Protocols = HttpProtocols.Http1AndHttp2;
                l.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = c => Handshake(state, c), HandshakeTimeout = TimeSpan.FromSeconds(10) });
            });
            options.Listen(new KindEndPoint(ConnectionKind.TlsTcp), l =>
            {
                CountConnections(l);
                l.Protocols = HttpProtocols.None;
                l.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = c => Handshake(state, c), HandshakeTimeout = TimeSpan.FromSeconds(10) });
                l.Use(_ => connection => relay.HandleAsync(connection, connection.Features.Get<ListenerFeature>()!.Name));
            });
            options.Listen(new KindEndPoint(ConnectionKind.Tcp), l =>
            {
                CountConnections(l);
                l.Use(_ => connection => relay.HandleAsync(connection, connection.Features.Get<ListenerFeature>()!.Name));
            });
        }, transport);
        // Kestrel runs the proxy's application directly, with no hosting layer in between.
        await server.StartAsync(
            new ProxyApplication(ctx => ctx.Features.Get<ListenerFeature>() is { } listener ? handler.HandleAsync(ctx, listener.Counters)
                : statusHandler is not null && ctx.Connection.LocalPort == statusOptions?.IPEndPoint?.Port ? statusHandler(ctx)
                : adminHandler(ctx)),
            CancellationToken.None).ConfigureAwait(false);
        return new ListenerServer(services, server, transport, adminOptions?.IPEndPoint?.Port ?? admin.Port);
    }

    /// <summary>Downstream connections per listener, counted before TLS and HTTP see them (Envoy's listener downstream_cx_*).</summary>
    private static void CountConnections(ListenOptions listen) =>
        listen.Use(next => async connection =>
        {
            var counters = connection.Features.Get<ListenerFeature>()!.Counters;
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
    private static ValueTask<SslServerAuthenticationOptions> Handshake(ProxyState state, TlsHandshakeCallbackContext context)
    {
        var listener = context.Connection.Features.Get<ListenerFeature>()?.Name ?? "";
        if (state.Current?.Listeners.GetValueOrDefault(listener) is { MeshTls: not MeshTlsMode.MeshTlsNone } inbound)
        {
            try
            {
                return ValueTask.FromResult(Security.MeshPeer.ServerOptions(state.Certificates, inbound.Protocol == ListenerProtocol.Http));
            }
            catch (AuthenticationException ex)
            {
                return ValueTask.FromException<SslServerAuthenticationOptions>(ex);
            }
        }

        if (state.Current?.Tls.GetValueOrDefault(listener) is not { } tls)
        {
            return ValueTask.FromException<SslServerAuthenticationOptions>(new AuthenticationException($"listener {listener} has no TLS configuration"));
        }

        var options = tls.OptionsFor(context.ClientHelloInfo.ServerName, out var routeTable);
        if (routeTable.Length > 0)
        {
            context.Connection.Features.Set(new ChosenServerFeature(routeTable));
        }

        return ValueTask.FromResult(options);
    }

    public async ValueTask DisposeAsync()
    {
        Transport.Dispose(); // Kestrel's endpoints see their queues end
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await server.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await services.DisposeAsync().ConfigureAwait(false);
    }
}
