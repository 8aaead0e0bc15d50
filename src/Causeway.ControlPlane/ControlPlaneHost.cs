using System.Net;
using System.Text;
using System.Text.Json;
using Causeway.ControlPlane.Config;
using Causeway.ControlPlane.Dashboard;
using Causeway.Translation.Mesh;
using Causeway.ControlPlane.Push;
using Causeway.ControlPlane.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Causeway.ControlPlane;

/// <summary>Where and how the control plane runs.</summary>
public sealed class ControlPlaneOptions
{
    /// <summary>The YAML directory to watch, when <see cref="Source"/> is not given.</summary>
    public string? ConfigDirectory { get; init; }

    /// <summary>Tokens a proxy may present besides the control plane's own: Kubernetes service account tokens, checked by TokenReview.</summary>
    public Func<string, Task<(PushCredential? Credential, string? Error)>>? ExternalTokens { get; init; }

    /// <summary>Builds the config source with the mesh settings (the Kubernetes API); null: <see cref="ConfigDirectory"/>.</summary>
    public Func<MeshSettings, Task<IConfigSource>>? Source { get; init; }

    /// <summary>The push server's address: gRPC over cleartext HTTP/2 (istiod's plaintext xDS port is 15010).</summary>
    public IPEndPoint PushAddress { get; init; } = new(IPAddress.Loopback, 15010);

    /// <summary>The status endpoint, HTTP/1.1 (istiod's monitoring port is 15014).</summary>
    public IPEndPoint StatusAddress { get; init; } = new(IPAddress.Loopback, 15014);

    /// <summary>A change is pushed once the config has been quiet this long (Istio's PILOT_DEBOUNCE_AFTER, 100 ms)...</summary>
    public TimeSpan DebounceQuiet { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>...or at the latest after this long while it keeps changing (PILOT_DEBOUNCE_MAX, 10 s in Istio; 1 s here, for a local mesh).</summary>
    public TimeSpan DebounceMax { get; init; } = TimeSpan.FromSeconds(1);

    public MeshSettings? Settings { get; init; }

    /// <summary>Checks the tokens proxies present (from <c>--token-key</c>); null: a key known only to this process.</summary>
    public PushTokenAuthority? Tokens { get; init; }

    /// <summary>Refuse proxies that present no token, instead of serving them config without Secrets.</summary>
    public bool RequireToken { get; init; }

    /// <summary>The mesh CA that issues workload certificates; null: a fresh self-signed root for trust domain cluster.local.</summary>
    public MeshCertificateAuthority? CertificateAuthority { get; init; }

    /// <summary>How often the dashboard reads each proxy's metrics while the page is open.</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The control plane (istiod's role): a config source, the push server that keeps every connected proxy on the
/// newest config it can run, and a status endpoint that says which proxies run which version and which resources
/// were rejected and why.
/// </summary>
public sealed class ControlPlaneHost : IAsyncDisposable
{
    private readonly IConfigSource source;
    private readonly PushServer push;
    private readonly WebApplication status;
    private readonly MeshDashboard dashboard;

    private ControlPlaneHost(IConfigSource source, PushServer push, WebApplication status, int statusPort, PushTokenAuthority tokens, MeshDashboard dashboard)
    {
        this.dashboard = dashboard;
        Tokens = tokens;
        this.source = source;
        this.push = push;
        this.status = status;
        StatusPort = statusPort;
        source.Changed += generation =>
        {
            Report($"config generation {generation.Number}: {generation.Mesh.Resources.Count} resources, {generation.Rejected.Count} rejected");
            foreach (var rejected in generation.Rejected)
            {
                Report("rejected: " + rejected);
            }

            push.Push(generation);
        };
        push.Status += Report;
    }

    public int PushPort => push.Port;

    /// <summary>Makes the tokens of proxies this process starts itself (causeway up) and checks every proxy's.</summary>
    public PushTokenAuthority Tokens { get; }

    public int StatusPort { get; }

    /// <summary>The mesh CA: its root is what proxies trust for each other's certificates.</summary>
    public MeshCertificateAuthority CertificateAuthority { get; private init; } = null!;

    private bool ownsCertificateAuthority;

    public ConfigGeneration Config => source.Current;

    public IReadOnlyCollection<ProxyStream> Proxies => push.Proxies;

    public event Action<string>? Status;

    public static async Task<ControlPlaneHost> StartAsync(ControlPlaneOptions options)
    {
        var source = options.Source is { } make
            ? await make(options.Settings ?? MeshSettings.Default).ConfigureAwait(false)
            : new DirectoryConfigSource(options.ConfigDirectory ?? throw new ArgumentException("a config directory or a source is needed", nameof(options)),
                options.DebounceQuiet, options.DebounceMax, options.Settings);
        var tokens = options.Tokens ?? PushTokenAuthority.Ephemeral();
        var ca = options.CertificateAuthority ?? MeshCertificateAuthority.SelfSigned();
        var push = await PushServer.StartAsync(options.PushAddress, () => source.Current, tokens, options.RequireToken, ca, options.ExternalTokens).ConfigureAwait(false);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Listen(options.StatusAddress);
        });
        var app = builder.Build();
        ControlPlaneHost? host = null;
        var dashboard = new MeshDashboard(() => source.Current, () => push.Proxies, source.Location, options.ScrapeInterval);
        app.Run(async ctx =>
        {
            if (await DashboardEndpoints.TryServeAsync(ctx, dashboard).ConfigureAwait(false))
            {
                return;
            }

            var (code, body) = ctx.Request.Path.Value switch
            {
                "/ready" => (200, "ready\n"),
                "/status" or "/debug/status" => (200, host is null ? "{}" : host.StatusJson()),
                "/metrics" => (200, host is null ? "" : host.push.Metrics.Render(host.push.Proxies.Count, host.source.Current.Rejected.Count, host.source.Current.Number)),
                _ => (404, "endpoints: /ready /status /metrics /dashboard /api/graph /api/service?host=HOST\n"),
            };
            ctx.Response.StatusCode = code;
            ctx.Response.ContentType = body.StartsWith('{') ? "application/json" : "text/plain";
            await ctx.Response.WriteAsync(body).ConfigureAwait(false);
        });
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await dashboard.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        host = new ControlPlaneHost(source, push, app, address is null ? options.StatusAddress.Port : new Uri(address).Port, tokens, dashboard) { CertificateAuthority = ca, ownsCertificateAuthority = options.CertificateAuthority is null };
        foreach (var rejected in source.Current.Rejected)
        {
            host.Report("rejected: " + rejected);
        }

        return host;
    }

    /// <summary>What `causeway status` shows: the config generation, rejected resources, and each proxy's versions.</summary>
    public string StatusJson()
    {
        var config = source.Current;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("generation", config.Number);
            json.WriteString("loadedAt", config.LoadedAt);
            json.WriteString(source is DirectoryConfigSource ? "configDirectory" : "configSource", source.Location);
            json.WriteNumber("resources", config.Mesh.Resources.Count);
            var gc = GC.GetGCMemoryInfo();
            json.WriteStartObject("memory");
            json.WriteNumber("workingSetBytes", Environment.WorkingSet);
            json.WriteNumber("gcHeapBytes", gc.HeapSizeBytes);
            json.WriteNumber("gcCommittedBytes", gc.TotalCommittedBytes);
            json.WriteNumber("gcFragmentedBytes", gc.FragmentedBytes);
            json.WriteEndObject();
            json.WriteStartArray("rejected");
            foreach (var d in config.Rejected)
            {
                json.WriteStartObject();
                json.WriteString("code", d.Type.Code);
                json.WriteString("resource", d.Resource?.ToString());
                json.WriteString("file", d.Location?.ToString());
                json.WriteString("field", d.FieldPath);
                json.WriteString("message", d.Message);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("proxies");
            foreach (var p in push.Proxies.OrderBy(p => p.Id, StringComparer.Ordinal))
            {
                var expected = p.SentVersion;
                json.WriteStartObject();
                json.WriteString("proxy", p.Id);
                json.WriteString("peer", p.Peer);
                json.WriteString("token", p.Credential?.ToString() ?? "");
                json.WriteString("admin", p.Hello.AdminAddress);
                json.WriteString("connectedAt", p.ConnectedAt);
                json.WriteString("sentVersion", expected);
                json.WriteString("ackedVersion", p.AckedVersion);
                json.WriteBoolean("synced", expected.Length > 0 && expected == p.AckedVersion);
                json.WriteString("nack", p.LastNack);
                json.WriteString("error", p.Error);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private void Report(string message) => Status?.Invoke(message);

    public async ValueTask DisposeAsync()
    {
        await dashboard.DisposeAsync().ConfigureAwait(false);
        await source.DisposeAsync().ConfigureAwait(false);
        await push.DisposeAsync().ConfigureAwait(false);
        await status.StopAsync().ConfigureAwait(false);
        await status.DisposeAsync().ConfigureAwait(false);
        if (ownsCertificateAuthority)
        {
            CertificateAuthority.Dispose(); // one given in the options may be shared (replicas with one CA)
        }
    }
}
