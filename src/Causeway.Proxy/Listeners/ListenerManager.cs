using System.Net;
using Causeway.Protocol.V1;
using Causeway.Proxy.Forwarding;
using Causeway.Proxy.Runtime;
using Causeway.Proxy.Telemetry;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// Keeps the running listeners equal to the snapshot's: starts new ones, stops removed ones, leaves the rest alone
/// (their connections stay up). A listener that cannot bind is reported and the others still run.
/// </summary>
internal sealed class ListenerManager(ProxyOptions options, ProxyState state, ProxyStats stats, ProxyRequestHandler handler) : IAsyncDisposable
{
    private readonly SniffingListenerFactory sniffing = new();
    private readonly Dictionary<string, ListenerHost> running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);

    public event Action<string>? BindFailed;

    public IReadOnlyCollection<IPEndPoint> Bound
    {
        get
        {
            lock (running)
            {
                return running.Values.Select(h => h.Bind).ToList();
            }
        }
    }

    public async Task ReconcileAsync(IEnumerable<Listener> listeners)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var wanted = listeners.Select(l => (Listener: l, Bind: BindOf(l))).Where(x => x.Bind is not null)
                .ToDictionary(x => ListenerHost.KeyOf(x.Listener, x.Bind!), x => (x.Listener, Bind: x.Bind!));
            foreach (var key in running.Keys.Where(k => !wanted.ContainsKey(k)).ToList())
            {
                await running[key].DisposeAsync().ConfigureAwait(false);
                lock (running)
                {
                    running.Remove(key);
                }
            }

            foreach (var (key, (listener, bind)) in wanted)
            {
                if (running.ContainsKey(key))
                {
                    continue;
                }

                try
                {
                    var host = await ListenerHost.StartAsync(listener, bind, state, stats, handler, sniffing).ConfigureAwait(false);
                    lock (running)
                    {
                        running[key] = host;
                    }
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
                {
                    BindFailed?.Invoke($"listener {listener.Name} could not bind {bind}: {ex.Message}");
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

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
        foreach (var host in running.Values)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }

        running.Clear();
        sniffing.Dispose();
        gate.Dispose();
    }
}
