using System.Net;
using System.Text.Json;
using Causeway.ControlPlane;

namespace Causeway.Proxy.Tests.ControlPlane.Dashboard;

/// <summary>The dashboard's HTTP surface on a real control plane's status port: the page and its files, the API, and what it refuses.</summary>
public sealed class DashboardEndpointTests : IAsyncLifetime
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("causeway-dashboard-");
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false });
    private ControlPlaneHost host = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "mesh.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: web, namespace: shop}
            spec:
              hosts: [web.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 80, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: web}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: web-v1, namespace: shop}
            spec: {address: 127.0.0.1, labels: {app: web, version: v1}}
            """);
        host = await ControlPlaneHost.StartAsync(new ControlPlaneOptions
        {
            ConfigDirectory = dir.FullName,
            PushAddress = new IPEndPoint(IPAddress.Loopback, 0),
            StatusAddress = new IPEndPoint(IPAddress.Loopback, 0),
        });
        http.BaseAddress = new Uri($"http://127.0.0.1:{host.StatusPort}");
    }

    [Fact]
    public async Task The_page_its_files_and_the_api_are_served_and_nothing_else()
    {
        using var page = await http.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/dashboard/app.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal); // nothing from a CDN: there is no network
        Assert.Equal("text/javascript", (await http.GetAsync("/dashboard/app.js")).Content.Headers.ContentType?.MediaType);
        Assert.Equal("text/css", (await http.GetAsync("/dashboard/app.css")).Content.Headers.ContentType?.MediaType);

        using var graph = JsonDocument.Parse(await http.GetStringAsync("/api/graph"));
        var ids = graph.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToList();
        Assert.Contains("svc:web.shop.svc.cluster.local", ids);
        Assert.Contains("wl:shop/web-v1", ids);
        using var service = JsonDocument.Parse(await http.GetStringAsync("/api/service?host=web.shop.svc.cluster.local"));
        Assert.Equal("80/HTTP http", service.RootElement.GetProperty("ports")[0].GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/service?host=nope.example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/nothing")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/missing.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/%2e%2e%2fstatus")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/Causeway.ControlPlane.dll")).StatusCode);
        using var post = await http.PostAsync("/api/graph", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET, HEAD", post.Content.Headers.Allow.Count > 0 ? string.Join(", ", post.Content.Headers.Allow) : post.Headers.GetValues("Allow").Single());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/status")).StatusCode); // the status port's own endpoints are untouched
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        http.Dispose();
        dir.Delete(true);
    }
}
