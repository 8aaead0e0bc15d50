using System.Net;
using System.Net.Sockets;
using Causeway.Protocol.V1;
using Causeway.Proxy.Telemetry;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// Keeps the listening sockets equal to the snapshot's listeners: binds new ones, closes and drains removed ones,
/// leaves the rest alone (their connections stay up). Only a change of a listener's address, port, protocol or TLS
/// makes a new socket. A listener that cannot bind is reported and the others still run. When the snapshot has
/// capture listeners (a sidecar behind iptables), its outbound listeners without an address of their own and its
/// inbound listeners bind nothing: the capture listener of their direction hands them their connections by port.
/// </summary>
internal sealed class ListenerManager(ProxyOptions options, ProxyStats stats, ListenerTransport transport, Func<string, string?, bool>? passesThrough = null, Func<string, MeshTlsMode>? meshTlsOf = null) : IAsyncDisposable
{
    private readonly Dictionary<string, ListenerSocket> running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);
    private Dictionary<(TrafficDirection, uint), ListenerSocket> captured = [];

    /// <summary>What went wrong with a listener: a bind that failed, accepting that had to back off.</summary>
    public event Action<string>? Trouble;

    public IReadOnlyCollection<IPEndPoint> Bound
    {
        get
        {
            lock (running)
            {
                return running.Values.Where(s => s.Bound is not null).Select(s => s.Bound!).ToList();
            }
        }
    }

    public async Task ReconcileAsync(IEnumerable<Listener> listeners)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var all = listeners.ToList();
            var capture = all.Any(l => l.Capture);
            var wanted = all.Select(l => (Listener: l, Adopted: capture && Adopted(l), Bind: BindOf(l)))
                .Where(x => x.Adopted || x.Bind is not null)
                .ToDictionary(x => KeyOf(x.Listener, x.Adopted ? null : x.Bind), x => (x.Listener, Bind: x.Adopted ? null : x.Bind));
            foreach (var key in running.Keys.Where(k => !wanted.ContainsKey(k)).ToList())
            {
                ListenerSocket removed;
                lock (running)
                {
                    removed = running[key];
                    running.Remove(key);
                }

                await removed.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var (key, (listener, bind)) in wanted)
            {
                if (running.ContainsKey(key))
                {
                    continue;
                }

                try
                {
                    var direction = listener.Direction;
                    var socket = new ListenerSocket(listener, bind, stats.Listener(listener.Name), transport, options.Connections, message => Trouble?.Invoke(message), passesThrough, meshTlsOf,
                        listener.Capture ? original => Dispatch(direction, original) : null);
                    lock (running)
                    {
                        running[key] = socket;
                    }
                }
                catch (SocketException ex)
                {
                    Trouble?.Invoke($"listener {listener.Name} could not bind {bind}: {ex.Message}");
                }
            }

            // The capture listeners' table: the first listener (in snapshot order) of each direction and port.
            var table = new Dictionary<(TrafficDirection, uint), ListenerSocket>();
            lock (running)
            {
                foreach (var (key, (listener, bind)) in wanted)
                {
                    if (bind is null && running.TryGetValue(key, out var socket))
                    {
                        table.TryAdd((listener.Direction, listener.Port), socket);
                    }
                }
            }

            Volatile.Write(ref captured, table);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Which listener a captured connection belongs to: the one of its direction for the port the client dialled.</summary>
    private ListenerSocket? Dispatch(TrafficDirection direction, IPEndPoint original) =>
        Volatile.Read(ref captured).GetValueOrDefault((direction, (uint)original.Port));

    /// <summary>Served through a capture listener, not bound: outbound listeners without their own address and inbound ones (their ports are the application's).</summary>
    private static bool Adopted(Listener listener) =>
        !listener.Capture && ((listener.Direction == TrafficDirection.Outbound && listener.Address.Length == 0) || listener.Direction == TrafficDirection.Inbound);

    /// <summary>What identifies a listener's socket: its name, address, port, protocol and whether it terminates TLS, passes it through, or both.</summary>
    private static string KeyOf(Listener listener, IPEndPoint? bind) =>
        $"{listener.Name}|{bind?.ToString() ?? "captured"}|{listener.Protocol}|{(listener.Tls is null ? "plain" : "tls")}|{(listener.SniRoutes.Count > 0 ? "sni" : "")}";

    /// <summary>Where a listener binds; null for an outbound listener without its own address when outbound listeners are off (local mode).</summary>
    private IPEndPoint? BindOf(Listener listener)
    {
        if (listener.Address.Length == 0 && listener.Direction == TrafficDirection.Outbound && !listener.Capture && options.OutboundAddress.Equals(IPAddress.None))
        {
            return null;
        }

        var port = options.PortMap.TryGetValue(listener.Port, out var mapped) ? mapped : (int)listener.Port;
        var address = listener.Capture ? IPAddress.Any
            : listener.Address.Length > 0 && IPAddress.TryParse(listener.Address, out var ip)
            ? ip
            : listener.Direction == TrafficDirection.GatewayIngress ? options.GatewayAddress : options.OutboundAddress;
        return new IPEndPoint(address, port);
    }

    public async ValueTask DisposeAsync()
    {
        List<ListenerSocket> sockets;
        lock (running)
        {
            sockets = [.. running.Values];
            running.Clear();
        }

        foreach (var socket in sockets)
        {
            await socket.DisposeAsync().ConfigureAwait(false);
        }

        gate.Dispose();
    }
}
