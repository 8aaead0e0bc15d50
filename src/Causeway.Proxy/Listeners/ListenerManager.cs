using System.Net;
using System.Net.Sockets;
using Causeway.Protocol.V1;
using Causeway.Proxy.Telemetry;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// Keeps the listening sockets equal to the snapshot's listeners: binds new ones, closes and drains removed ones,
/// leaves the rest alone (their connections stay up). Only a change of a listener's address, port, protocol or TLS
/// makes a new socket. A listener that cannot bind is reported and the others still run.
/// </summary>
internal sealed class ListenerManager(ProxyOptions options, ProxyStats stats, ListenerTransport transport, Func<string, string?, bool>? passesThrough = null, Func<string, MeshTlsMode>? meshTlsOf = null) : IAsyncDisposable
{
    private readonly Dictionary<string, ListenerSocket> running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>What went wrong with a listener: a bind that failed, accepting that had to back off.</summary>
    public event Action<string>? Trouble;

    public IReadOnlyCollection<IPEndPoint> Bound
    {
        get
        {
            lock (running)
            {
                return running.Values.Select(s => s.Bound).ToList();
            }
        }
    }

    public async Task ReconcileAsync(IEnumerable<Listener> listeners)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var wanted = listeners.Select(l => (Listener: l, Bind: BindOf(l))).Where(x => x.Bind is not null)
                .ToDictionary(x => KeyOf(x.Listener, x.Bind!), x => (x.Listener, Bind: x.Bind!));
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
                    var socket = new ListenerSocket(listener, bind, stats.Listener(listener.Name), transport, options.Connections, message => Trouble?.Invoke(message), passesThrough, meshTlsOf);
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
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>What identifies a listener's socket: its name, address, port, protocol and whether it terminates TLS, passes it through, or both.</summary>
    private static string KeyOf(Listener listener, IPEndPoint bind) =>
        $"{listener.Name}|{bind}|{listener.Protocol}|{(listener.Tls is null ? "plain" : "tls")}|{(listener.SniRoutes.Count > 0 ? "sni" : "")}";

    /// <summary>Where a listener binds; null for an outbound listener without its own address when outbound listeners are off (local mode).</summary>
    private IPEndPoint? BindOf(Listener listener)
    {
        if (listener.Address.Length == 0 && listener.Direction == TrafficDirection.Outbound && options.OutboundAddress.Equals(IPAddress.None))
        {
            return null;
        }

        var port = options.PortMap.TryGetValue(listener.Port, out var mapped) ? mapped : (int)listener.Port;
        var address = listener.Address.Length > 0 && IPAddress.TryParse(listener.Address, out var ip)
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
