using System.Net;
using Causeway.ControlPlane.Config;
using Causeway.Protocol;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>The proxy as an ingress gateway, and the static config mode (reload, last good snapshot).</summary>
public sealed class GatewayAndStaticConfigTests : IAsyncLifetime
{
    private static readonly string Corpus = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "istio-corpus", "istio", "samples", "bookinfo", "networking"));
    private Backend productpage = null!;
    private readonly HttpClient client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });

    public async Task InitializeAsync() => productpage = await Backend.StartAsync("productpage");

    public async Task DisposeAsync()
    {
        client.Dispose();
        await productpage.DisposeAsync();
    }

    [Fact]
    public async Task Bookinfo_gateway_routes_productpage_and_404s_headers()
    {
        // istio.io ingress task with samples/bookinfo/networking/bookinfo-gateway.yaml (server port 8080)
        var yaml = MeshYaml.Service("productpage", "default", [(productpage, "v1")]) + "---\n" + File.ReadAllText(Path.Combine(Corpus, "bookinfo-gateway.yaml"));
        await using var gateway = await ProxyUnderTest.GatewayAsync(yaml, new Dictionary<string, string> { ["istio"] = "ingressgateway" }, 8080);
        var ok = await client.GetAsync(gateway.Url(8080, "/productpage"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("productpage", ok.Headers.GetValues("x-backend").Single());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(gateway.Url(8080, "/headers"))).StatusCode);
    }

    [Fact]
    public async Task Static_mode_reloads_on_change_and_keeps_the_last_good_config_when_a_change_is_invalid()
    {
        var dir = Directory.CreateTempSubdirectory("causeway-static-");
        try
        {
            var service = MeshYaml.Service("web", "default", [(productpage, "v1")]) + MeshYaml.Client();
            File.WriteAllText(Path.Combine(dir.FullName, "mesh.yaml"), service);
            File.WriteAllText(Path.Combine(dir.FullName, "routes.yaml"), Route("/v1"));
            var port = FreePort.Next();
            await using var host = await ProxyHost.StartAsync(new ProxyOptions { AdminPort = 0, PortMap = new Dictionary<uint, int> { [9080] = port } });
            var statuses = new List<string>();
            await using var source = new StaticConfigSource(dir.FullName, WorkloadIdentity.Sidecar("client.default"), host.ApplyAsync, s =>
            {
                lock (statuses)
                {
                    statuses.Add(s);
                }
            }, TimeSpan.FromMilliseconds(100));
            await Eventually.Until(() => source.AppliedVersion is not null);
            Assert.Equal("/v1", await RoutedPath(port)); // no prefix match: rewrite.uri replaces the whole path (Istio)

            File.WriteAllText(Path.Combine(dir.FullName, "routes.yaml"), Route("/v2"));
            await Eventually.Until(async () => await RoutedPath(port) == "/v2");
            var good = source.AppliedVersion;

            File.WriteAllText(Path.Combine(dir.FullName, "routes.yaml"), Route("/v3").Replace("uri: /v3", "uri: /v3\n    bogusField: 1", StringComparison.Ordinal));
            await Eventually.Until(() => { lock (statuses) { return statuses.Any(s => s.Contains("error", StringComparison.Ordinal)); } });
            Assert.Equal(good, source.AppliedVersion);
            Assert.Equal("/v2", await RoutedPath(port)); // still the last good configuration
            lock (statuses)
            {
                Assert.Contains(statuses, s => s.Contains("bogusField", StringComparison.Ordinal) && s.Contains("routes.yaml", StringComparison.Ordinal));
            }
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task Static_mode_started_on_invalid_config_says_why_and_serves_the_valid_resources()
    {
        // Issue 14 point 5: as the control plane does, an invalid resource is left out with its reason and the rest
        // is served; a proxy whose own WorkloadEntry is invalid says so instead of waiting silently.
        var dir = Directory.CreateTempSubdirectory("causeway-static-bad-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "mesh.yaml"), MeshYaml.Service("web", "default", [(productpage, "v1")]) + MeshYaml.Client());
            File.WriteAllText(Path.Combine(dir.FullName, "routes.yaml"), Route("/v3").Replace("uri: /v3", "uri: /v3\n    bogusField: 1", StringComparison.Ordinal));
            var port = FreePort.Next();
            await using var host = await ProxyHost.StartAsync(new ProxyOptions { AdminPort = 0, PortMap = new Dictionary<uint, int> { [9080] = port } });
            var statuses = new List<string>();
            void Record(string s)
            {
                lock (statuses)
                {
                    statuses.Add(s);
                }
            }

            await using (var source = new StaticConfigSource(dir.FullName, WorkloadIdentity.Sidecar("client.default"), host.ApplyAsync, Record, TimeSpan.FromMilliseconds(100)))
            {
                await Eventually.Until(() => source.AppliedVersion is not null);
                Assert.Equal("/x", await RoutedPath(port)); // served without the rejected VirtualService: no rewrite
                lock (statuses)
                {
                    Assert.Contains(statuses, s => s.Contains("left out", StringComparison.Ordinal) && s.Contains("bogusField", StringComparison.Ordinal) && s.Contains("routes.yaml", StringComparison.Ordinal));
                }
            }

            await using (var orphan = new StaticConfigSource(dir.FullName, WorkloadIdentity.Sidecar("nobody.default"), host.ApplyAsync, Record, TimeSpan.FromMilliseconds(100)))
            {
                await Eventually.Until(() => { lock (statuses) { return statuses.Any(s => s.Contains("workload nobody.default is not defined", StringComparison.Ordinal)); } });
                Assert.Null(orphan.AppliedVersion);
            }
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static string Route(string prefix) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: web
          namespace: default
        spec:
          hosts: [web]
          http:
          - rewrite:
              uri: {prefix}
            route:
            - destination:
                host: web
        """;

    private async Task<string> RoutedPath(int port)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/x");
        request.Headers.Host = "web";
        try
        {
            var body = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
            return body.StartsWith('{') ? System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("path").GetString() ?? "" : body;
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }
}
