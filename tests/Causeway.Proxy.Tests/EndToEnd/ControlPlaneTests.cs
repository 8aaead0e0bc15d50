using System.Net;
using System.Text.Json;
using Causeway.ControlPlane;
using Causeway.Protocol;
using Causeway.Proxy.Config;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// The control plane and real proxies over the push protocol: a change in the config directory reaches the proxy and
/// changes live traffic; an invalid change is rejected and reported while traffic stays on the last good config; the
/// proxy keeps serving while the control plane is away, resynchronises when it returns, and waits for it when it
/// starts first.
/// </summary>
public sealed class ControlPlaneTests : IAsyncLifetime
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("causeway-cp-");
    private readonly HttpClient client = new(new SocketsHttpHandler { UseProxy = false });
    private readonly List<string> log = [];
    private Backend v1 = null!;
    private Backend v2 = null!;

    public async Task InitializeAsync()
    {
        v1 = await Support.Backend.StartAsync("v1");
        v2 = await Support.Backend.StartAsync("v2");
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "mesh.yaml"),
            MeshYaml.Service("web", "default", [(v1, "v1"), (v2, "v2")]) + MeshYaml.Client() + "---\n" + MeshYaml.Subsets("web", "default", "v1", "v2"));
        await WriteRoute("v1");
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await v1.DisposeAsync();
        await v2.DisposeAsync();
        dir.Delete(true);
    }

    [Fact]
    public async Task A_change_in_the_directory_reaches_the_proxy_and_changes_live_traffic()
    {
        await using var cp = await StartControlPlane();
        await using var mesh = await StartProxy(cp.PushPort);
        await Until(async () => await BackendOf(mesh.Port) == "v1");
        await WriteRoute("v2");
        await Until(async () => await BackendOf(mesh.Port) == "v2");
        await Until(() => Task.FromResult(cp.Proxies.Single().AckedVersion == cp.Proxies.Single().SentVersion));

        // The control plane's metrics: one connected proxy, two snapshots pushed, the generation converged.
        await Until(async () => (await client.GetStringAsync($"http://127.0.0.1:{cp.StatusPort}/metrics")).Contains("pilot_proxy_convergence_time_seconds ", StringComparison.Ordinal));
        var metrics = await client.GetStringAsync($"http://127.0.0.1:{cp.StatusPort}/metrics");
        Assert.Contains("\npilot_xds 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pilot_xds_pushes{type=\"snapshot\"} 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("\npilot_total_xds_rejects 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("\ncauseway_config_rejected_resources 0\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_change_is_rejected_and_reported_and_traffic_stays_on_the_last_good_config()
    {
        await using var cp = await StartControlPlane();
        await using var mesh = await StartProxy(cp.PushPort);
        await Until(async () => await BackendOf(mesh.Port) == "v1");
        await WriteRoute("v2", extra: "\n    bogusField: 1");
        await Until(async () =>
        {
            var status = JsonDocument.Parse(await client.GetStringAsync($"http://127.0.0.1:{cp.StatusPort}/status")).RootElement;
            return status.GetProperty("rejected").EnumerateArray().Any(r =>
                r.GetProperty("message").GetString()!.Contains("bogusField", StringComparison.Ordinal) &&
                r.GetProperty("file").GetString()!.Contains("routes.yaml", StringComparison.Ordinal));
        });
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("v1", await BackendOf(mesh.Port)); // the VirtualService's last valid version stays in force
        }
    }

    [Fact]
    public async Task Traffic_keeps_flowing_without_the_control_plane_and_a_restart_resynchronises()
    {
        var port = FreePort.Next();
        var cp = await StartControlPlane(port);
        await using var mesh = await StartProxy(port);
        await Until(async () => await BackendOf(mesh.Port) == "v1");
        await cp.DisposeAsync();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v1", await BackendOf(mesh.Port));
        }

        await WriteRoute("v2");
        await using var again = await StartControlPlane(port);
        await Until(async () => await BackendOf(mesh.Port) == "v2");
    }

    [Fact]
    public async Task A_snapshot_the_proxy_cannot_apply_is_nacked_shown_in_status_and_the_last_good_one_keeps_serving()
    {
        // A gateway whose new server certificate file does not exist: the translation cannot know, the proxy can.
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "gateway.yaml"), Gateway("HTTP", ""));
        await using var cp = await StartControlPlane();
        var port = FreePort.Next();
        var host = await ProxyHost.StartAsync(new ProxyOptions { AdminPort = 0, GatewayAddress = IPAddress.Loopback, PortMap = new Dictionary<uint, int> { [8080] = port } });
        await using var gateway = new MeshProxy(host, new ControlPlaneClient(new Uri($"http://127.0.0.1:{cp.PushPort}"),
            WorkloadIdentity.Gateway(new Dictionary<string, string> { ["istio"] = "ingressgateway" }), host, _ => { }), port);
        await Until(async () => await BackendOf(port) == "v1");
        var good = host.State.Current!.Version;

        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "gateway.yaml"), Gateway("HTTPS", "\n    tls: {mode: SIMPLE, serverCertificate: /nonexistent/cert.pem, privateKey: /nonexistent/key.pem}"));
        await Until(() => Task.FromResult(cp.Proxies.Single().LastNack.Contains("/nonexistent/cert.pem", StringComparison.Ordinal)));
        Assert.Equal(good, host.State.Current!.Version);
        var status = JsonDocument.Parse(await client.GetStringAsync($"http://127.0.0.1:{cp.StatusPort}/status")).RootElement;
        Assert.Contains("/nonexistent/cert.pem", status.GetProperty("proxies")[0].GetProperty("nack").GetString(), StringComparison.Ordinal);
        Assert.Equal("v1", await BackendOf(port)); // still serving plain HTTP on the last good snapshot
    }

    private static string Gateway(string protocol, string tls) => $$$"""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - port: {number: 8080, name: web, protocol: {{{protocol}}}}
            hosts: ["*"]{{{tls}}}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: edge, namespace: default}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http: [{route: [{destination: {host: web, subset: v1}}]}]
        """;

    [Fact]
    public async Task An_idle_stream_stays_open_past_kestrels_minimum_data_rate_grace()
    {
        // Found by the grpc-js interop test: Kestrel's MinRequestBodyDataRate cut quiet push streams after 5 s.
        await using var cp = await StartControlPlane();
        await using var mesh = await StartProxy(cp.PushPort);
        await Until(async () => await BackendOf(mesh.Port) == "v1");
        await Task.Delay(TimeSpan.FromSeconds(7));
        await WriteRoute("v2");
        await Until(async () => await BackendOf(mesh.Port) == "v2");
        lock (log)
        {
            Assert.DoesNotContain(log, l => l.Contains("unavailable", StringComparison.Ordinal) || l.Contains("closed the stream", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_proxy_started_before_the_control_plane_waits_then_serves()
    {
        var port = FreePort.Next();
        await using var mesh = await StartProxy(port);
        await Task.Delay(300);
        Assert.Null(mesh.Host.State.Current);
        await using var cp = await StartControlPlane(port);
        await Until(async () => await BackendOf(mesh.Port) == "v1");
    }

    [Fact]
    public async Task Only_endpoints_are_sent_when_only_endpoints_changed()
    {
        await using var cp = await StartControlPlane();
        await using var mesh = await StartProxy(cp.PushPort);
        await Until(async () => await BackendOf(mesh.Port) == "v1");
        var before = mesh.Host.State.Current!.Source;
        await using var v1b = await Support.Backend.StartAsync("v1b");
        var yaml = await File.ReadAllTextAsync(Path.Combine(dir.FullName, "mesh.yaml"));
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "mesh.yaml"), yaml.Replace($"http: {v1.Http1Port}", $"http: {v1b.Http1Port}", StringComparison.Ordinal));
        await Until(async () => await BackendOf(mesh.Port) == "v1b");
        var after = mesh.Host.State.Current!.Source;
        Assert.NotEqual(before.Version, after.Version);
        Assert.Equal(before.Listeners, after.Listeners);
        Assert.Equal((1, 1), (mesh.Client.SnapshotsReceived, mesh.Client.EndpointUpdatesReceived));
        Assert.Contains(log, l => l.Contains("applied", StringComparison.Ordinal));
        Assert.Equal(after.Version, cp.Proxies.Single().AckedVersion);
    }

    [Fact]
    public async Task An_independent_grpc_js_client_opens_the_push_stream_decodes_a_snapshot_and_acks()
    {
        NodeInterop.AssertInstalled();
        await using var cp = await StartControlPlane();
        var output = await NodeInterop.RunAsync("push-client.js", $"127.0.0.1:{cp.PushPort}", "client", "default");
        var result = JsonDocument.Parse(output).RootElement;
        Assert.True(result.TryGetProperty("version", out var version), output);
        Assert.Equal("SIDECAR", result.GetProperty("role").GetString());
        Assert.Contains("outbound_9080:HTTP", result.GetProperty("listeners").EnumerateArray().Select(l => l.GetString()));
        Assert.Contains("outbound|9080|v1|web.default.svc.cluster.local", result.GetProperty("clusters").EnumerateArray().Select(c => c.GetString()));
        Assert.True(result.GetProperty("endpoints").GetInt32() > 0, output);
        var expected = Causeway.Translation.ProxySnapshotBuilder.Build(cp.Config.Mesh,
            Causeway.Translation.ProxyRequest.Resolve(cp.Config.Mesh, Protocol.V1.ProxyRole.Sidecar, "client", "default", new Dictionary<string, string>())!);
        Assert.Equal(expected.Version, version.GetString());
    }

    private async Task WriteRoute(string subset, string extra = "")
    {
        var path = Path.Combine(dir.FullName, "routes.yaml");
        await File.WriteAllTextAsync(path, $"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: web
              namespace: default
            spec:
              hosts: [web]
              http:
              - route:
                - destination: {"{"}host: web, subset: {subset}{"}"}{extra}
            """);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(Random.Shared.Next(1, 1000))); // a change the watcher always sees
    }

    private Task<ControlPlaneHost> StartControlPlane(int pushPort = 0) => ControlPlaneHost.StartAsync(new ControlPlaneOptions
    {
        ConfigDirectory = dir.FullName,
        PushAddress = new IPEndPoint(IPAddress.Loopback, pushPort),
        StatusAddress = new IPEndPoint(IPAddress.Loopback, 0),
        DebounceQuiet = TimeSpan.FromMilliseconds(50),
        DebounceMax = TimeSpan.FromMilliseconds(500),
    });

    private async Task<MeshProxy> StartProxy(int controlPlanePort)
    {
        var port = FreePort.Next();
        var host = await ProxyHost.StartAsync(new ProxyOptions { AdminPort = 0, PortMap = new Dictionary<uint, int> { [9080] = port } });
        host.Status += s =>
        {
            lock (log)
            {
                log.Add(s);
            }
        };
        var cpClient = new ControlPlaneClient(new Uri($"http://127.0.0.1:{controlPlanePort}"), WorkloadIdentity.Sidecar("client.default"), host, s =>
        {
            lock (log)
            {
                log.Add(s);
            }
        });
        return new MeshProxy(host, cpClient, port);
    }

    private async Task<string> BackendOf(int port)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/");
        request.Headers.Host = "web";
        try
        {
            using var response = await client.SendAsync(request);
            return response.Headers.TryGetValues("x-backend", out var b) ? b.First() : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
    }

    private Task Until(Func<Task<bool>> condition) => Eventually.Until(condition, () =>
    {
        lock (log)
        {
            return "log:\n" + string.Join("\n", log);
        }
    });

    private sealed class MeshProxy(ProxyHost host, ControlPlaneClient client, int port) : IAsyncDisposable
    {
        public ProxyHost Host { get; } = host;

        public ControlPlaneClient Client { get; } = client;

        public int Port { get; } = port;

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Host.DisposeAsync();
        }
    }
}
