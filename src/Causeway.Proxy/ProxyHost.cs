using System.Net;
using Causeway.Protocol.V1;
using Causeway.Proxy.Admin;
using Causeway.Proxy.Forwarding;
using Causeway.Proxy.Listeners;
using Causeway.Proxy.Runtime;
using Causeway.Proxy.Telemetry;

namespace Causeway.Proxy;

/// <summary>
/// A running proxy: state (the current compiled snapshot), listeners reconciled with it, the request handler and
/// the admin listener. Snapshots come from outside (the static config source, later the control plane).
/// </summary>
public sealed class ProxyHost : IAsyncDisposable
{
    private readonly ListenerManager listeners;
    private readonly AdminServer admin;
    private string lastStatus = "starting";

    private ProxyHost(ProxyOptions options, ProxyState state, ProxyStats stats, AdminServer admin)
    {
        State = state;
        Stats = stats;
        this.admin = admin;
        listeners = new ListenerManager(options, state, stats, new ProxyRequestHandler(state, stats));
        listeners.BindFailed += message => Report(message);
    }

    public ProxyState State { get; }

    public ProxyStats Stats { get; }

    public int AdminPort => admin.Port;

    public IReadOnlyCollection<IPEndPoint> BoundListeners => listeners.Bound;

    /// <summary>Status lines (applied versions, rejections, bind failures) as they happen.</summary>
    public event Action<string>? Status;

    public static async Task<ProxyHost> StartAsync(ProxyOptions options)
    {
        var state = new ProxyState();
        var stats = new ProxyStats { Tracer = new Telemetry.Tracer(options.TracingEndpoint) };
        ProxyHost? host = null;
        var admin = await AdminServer.StartAsync(new IPEndPoint(options.AdminAddress, options.AdminPort), state, stats, () => host?.lastStatus ?? "").ConfigureAwait(false);
        host = new ProxyHost(options, state, stats, admin);
        return host;
    }

    /// <summary>Applies a snapshot; returns null when applied, else the reason it was rejected (the old one keeps serving).</summary>
    public async Task<string?> ApplyAsync(ProxySnapshot snapshot)
    {
        var error = State.Apply(snapshot);
        if (error is not null)
        {
            Report(error);
            return error;
        }

        Stats.Tracer.Configure(snapshot.Proxy, snapshot.Tracing);
        await listeners.ReconcileAsync(snapshot.Listeners).ConfigureAwait(false);
        Report($"applied snapshot {snapshot.Version}: {snapshot.Listeners.Count} listeners, {snapshot.Clusters.Count} clusters");
        foreach (var notice in snapshot.Notices)
        {
            Report("notice: " + notice);
        }

        return null;
    }

    internal void Report(string message)
    {
        lastStatus = message;
        Status?.Invoke(message);
    }

    public async ValueTask DisposeAsync()
    {
        await listeners.DisposeAsync().ConfigureAwait(false);
        await admin.DisposeAsync().ConfigureAwait(false);
        State.Dispose();
        Stats.Tracer.Dispose(); // flushes spans still queued for export
    }
}
