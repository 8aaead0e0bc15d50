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
/// the admin endpoints, all served by one Kestrel server. Snapshots come from outside: the control plane's client, or
/// static mode's compiler in the <c>causeway</c> CLI.
/// </summary>
public sealed class ProxyHost : IAsyncDisposable
{
    private readonly ListenerManager listeners;
    private readonly ListenerServer server;
    private string lastStatus = "starting";

    private ProxyHost(ProxyOptions options, ProxyState state, ProxyStats stats, ListenerServer server)
    {
        State = state;
        Stats = stats;
        this.server = server;
        listeners = new ListenerManager(options, stats, server.Transport, (listener, sni) => state.Current?.PassesThrough(listener, sni) == true,
            listener => state.Current?.Listeners.GetValueOrDefault(listener)?.MeshTls ?? MeshTlsMode.MeshTlsNone);
        listeners.Trouble += message => Report(message);
    }

    public ProxyState State { get; }

    /// <summary>The workload certificate the mesh CA issued this proxy (requested over the push stream).</summary>
    public Security.WorkloadCertificateStore Certificates => State.Certificates;

    public ProxyStats Stats { get; }

    public int AdminPort => server.AdminPort;

    public IReadOnlyCollection<IPEndPoint> BoundListeners => listeners.Bound;

    /// <summary>Status lines (applied versions, rejections, bind failures) as they happen.</summary>
    public event Action<string>? Status;

    public static async Task<ProxyHost> StartAsync(ProxyOptions options)
    {
        var state = new ProxyState();
        var stats = new ProxyStats { Tracer = new Telemetry.Tracer(options.TracingEndpoint) };
        ProxyHost? host = null;
        var admin = AdminEndpoints.Handler(state, stats, () => host?.lastStatus ?? "", () => host?.Certificates.Current, () => host?.Certificates.LastRefusal ?? "");
        var server = await ListenerServer.StartAsync(new IPEndPoint(options.AdminAddress, options.AdminPort), admin, state, stats, new ProxyRequestHandler(state, stats),
            options.StatusAddress, AdminEndpoints.StatusHandler(state, stats)).ConfigureAwait(false);
        host = new ProxyHost(options, state, stats, server);
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
        await server.DisposeAsync().ConfigureAwait(false);
        State.Dispose();
        Stats.Tracer.Dispose(); // flushes spans still queued for export
    }
}
