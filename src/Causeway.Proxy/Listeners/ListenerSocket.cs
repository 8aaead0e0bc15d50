using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Causeway.Protocol.V1;
using Causeway.Proxy.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// The listening socket of one snapshot listener: accepts, marks each connection with its listener (and its original
/// destination, read only if asked) and queues it to the shared Kestrel server's endpoint for its kind, sniffing
/// HTTP/1.1 from h2c on plaintext HTTP listeners. A connection past the listener's or the proxy's connection limit is
/// closed at once; when the process is out of file descriptors, accepting backs off (100 ms doubling to 1 s) instead
/// of spinning, while the connections already open keep being served. Removing the listener closes the socket and
/// drains its connections: HTTP ones are asked to close after the request in flight, TCP relays end, and whatever is
/// left after <see cref="DrainTime"/> is aborted. A captured sidecar's listeners have no socket of their own: the
/// capture listener (15001, 15006) hands each connection to the one for its original destination's port.
/// </summary>
internal sealed class ListenerSocket : IAsyncDisposable
{
    private readonly Socket? socket;
    private readonly ListenerTransport transport;
    private readonly ListenerFeature feature;
    private readonly ConnectionKind? kind;
    private readonly bool mixed;
    private readonly ConnectionKind terminated;
    private readonly Func<string, string?, bool> passesThrough;
    private readonly Func<string, MeshTlsMode> meshTlsOf;
    private readonly bool inbound;
    private readonly bool tcp;
    private readonly ConnectionLimits limits;
    private readonly Action<string> report;
    private readonly Func<IPEndPoint, ListenerSocket?>? dispatch;
    private readonly ConcurrentDictionary<ConnectionContext, byte> live = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task accepting;

    /// <summary>
    /// Binds now (an address in use throws here, so the caller can name the listener that failed); with no address,
    /// takes only the connections a capture listener hands it. <paramref name="dispatch"/>: this is a capture listener,
    /// and it names the listener for an original destination (null: this one's own route takes it).
    /// </summary>
    public ListenerSocket(Listener listener, IPEndPoint? bind, ListenerCounters counters, ListenerTransport transport, ConnectionLimits? limits = null, Action<string>? report = null, Func<string, string?, bool>? passesThrough = null, Func<string, MeshTlsMode>? meshTlsOf = null, Func<IPEndPoint, ListenerSocket?>? dispatch = null)
    {
        this.dispatch = dispatch;
        this.transport = transport;
        this.limits = limits ?? new ConnectionLimits(int.MaxValue, int.MaxValue);
        this.report = report ?? (_ => { });
        this.passesThrough = passesThrough ?? ((_, _) => false);
        feature = new ListenerFeature(listener.Name, counters);
        mixed = listener.Tls is not null && listener.SniRoutes.Count > 0;
        // a sidecar's inbound port: its PeerAuthentication mode is read per connection, so a change applies to new
        // connections without rebinding (and dropping) the listener
        inbound = listener.Tls is null && listener.Direction == TrafficDirection.Inbound;
        this.meshTlsOf = meshTlsOf ?? (_ => listener.MeshTls);
        tcp = listener.Protocol == ListenerProtocol.Tcp;
        terminated = tcp ? ConnectionKind.TlsTcp : ConnectionKind.TlsHttp;
        kind = mixed || inbound ? null : listener.Tls is not null ? terminated
            : tcp ? ConnectionKind.Tcp : null; // null: sniffed per connection
        if (bind is null)
        {
            accepting = Task.CompletedTask;
            return;
        }

        socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            ListenSocketOptions.AllowRebindDuringTimeWait(socket);
            if (bind.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = bind.Address.Equals(IPAddress.IPv6Any);
            }

            socket.Bind(bind);
            socket.Listen(1024);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Bound = (IPEndPoint)socket.LocalEndPoint!;
        accepting = AcceptLoopAsync();
    }

    /// <summary>How long a removed listener's connections may finish what they are doing before they are cut.</summary>
    public static TimeSpan DrainTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Where it listens; null for a captured sidecar's listener that has no socket of its own.</summary>
    public IPEndPoint? Bound { get; }

    /// <summary>Connections accepted here and not yet closed.</summary>
    public int Connections => live.Count;

    private async Task AcceptLoopAsync()
    {
        var backoff = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await socket!.AcceptAsync(stop.Token).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // Out of file descriptors (EMFILE, ENFILE) or memory: the pending connections wait in the backlog
                // while connections close and free some. Retrying at once would spin a core.
                if (backoff == TimeSpan.Zero)
                {
                    report($"listener {feature.Name}: cannot accept ({ex.Message}); {live.Count} connections open here, {limits.Open} in all; backing off");
                }

                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, backoff.Ticks * 2));
                try
                {
                    await Task.Delay(backoff, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            if (dispatch is null)
            {
                Take(accepted, null, originalRead: false);
                continue;
            }

            // A capture listener: the listener for the port the application dialled takes the connection, which
            // keeps the original destination read here (one system call, not a second one when a cluster asks).
            var original = OriginalDestination.Of(accepted);
            (original is null ? this : dispatch(original) ?? this).Take(accepted, original, originalRead: true);
        }
    }

    /// <summary>Serves a connection accepted here or handed over by the capture listener (which read its original destination already).</summary>
    private void Take(Socket accepted, IPEndPoint? original, bool originalRead)
    {
        if (!limits.TryOpen(live.Count, out var overallLimit))
        {
            feature.Counters.ConnectionOverflowed(overallLimit);
            accepted.Dispose(); // past a limit: closed at once, as Envoy's connection limits do
            return;
        }

        accepted.NoDelay = true;
        var connection = transport.Contexts.Create(accepted);
        connection.Features.Set(feature);
        if (originalRead)
        {
            OriginalDestination.Attach(connection.Features, original);
        }
        else
        {
            OriginalDestination.Attach(connection.Features);
        }

        live.TryAdd(connection, 0);
        connection.ConnectionClosed.Register(static state =>
        {
            var (set, c, l) = ((ConcurrentDictionary<ConnectionContext, byte>, ConnectionContext, ConnectionLimits))state!;
            if (set.TryRemove(c, out _))
            {
                l.Closed();
            }
        }, (live, connection, limits));
        if (kind is { } known)
        {
            Hand(known, connection);
        }
        else
        {
            _ = SniffThenHandAsync(connection);
        }
    }

    private async Task SniffThenHandAsync(ConnectionContext connection)
    {
        try
        {
            if (mixed)
            {
                // Terminated here or passed through: the ClientHello's SNI decides, before any handshake.
                var serverName = await ClientHelloReader.PeekServerNameAsync(connection.Transport.Input, stop.Token).ConfigureAwait(false);
                Hand(passesThrough(feature.Name, serverName) ? ConnectionKind.Tcp : terminated, connection);
                return;
            }

            var meshTls = inbound ? meshTlsOf(feature.Name) : MeshTlsMode.MeshTlsNone;
            if (meshTls != MeshTlsMode.MeshTlsNone)
            {
                // PeerAuthentication: a TLS record (0x16) is a mesh peer's mutual TLS, terminated here; plaintext is
                // served under PERMISSIVE and closed under STRICT (the client sees its connection reset)
                if (await ProtocolSniffer.StartsWithTlsAsync(connection, stop.Token).ConfigureAwait(false))
                {
                    Hand(terminated, connection);
                    return;
                }

                if (meshTls == MeshTlsMode.MeshTlsStrict)
                {
                    feature.Counters.ConnectionRefusedPlaintext();
                    connection.Abort();
                    return;
                }

                if (tcp)
                {
                    Hand(ConnectionKind.Tcp, connection);
                    return;
                }
            }

            Hand(tcp ? ConnectionKind.Tcp : await ProtocolSniffer.SniffAsync(connection, stop.Token).ConfigureAwait(false), connection);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or InvalidDataException)
        {
            await connection.DisposeAsync().ConfigureAwait(false); // the client sent nothing in time, left, or is not TLS
        }
    }

    private void Hand(ConnectionKind connectionKind, ConnectionContext connection)
    {
        if (!transport.Enqueue(connectionKind, connection))
        {
            connection.Abort(); // the server is stopping
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        socket?.Dispose();
        try
        {
            await accepting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _ = DrainAsync();
    }

    /// <summary>Asks each connection to close (HTTP: after its request in flight, as Envoy drains a listener), then cuts the rest.</summary>
    private async Task DrainAsync()
    {
        foreach (var connection in live.Keys)
        {
            if (kind is ConnectionKind.Tcp or ConnectionKind.TlsTcp)
            {
                connection.Abort();
            }
            else
            {
                connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
            }
        }

        var deadline = DateTime.UtcNow + DrainTime;
        while (!live.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        foreach (var connection in live.Keys)
        {
            connection.Abort(new ConnectionAbortedException($"listener {feature.Name} was removed"));
        }

        stop.Dispose();
    }
}
