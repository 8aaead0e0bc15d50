using System.Diagnostics;
using System.Net;
using Causeway.Kubernetes;
using Causeway.Proxy.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Endpoint = Causeway.Protocol.V1.Endpoint;

namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>
/// The control plane on the Kubernetes API (issue 12's acceptance), against the fake API server over its real
/// list/watch wire format: a Service, its EndpointSlices and Pods become the endpoints a real sidecar sends real
/// requests to; a pod going not-ready, or a VirtualService applied through the API, reaches the proxy; an API server
/// restart (history lost: 410 Gone) is met with a relist and the mesh converges on what changed meanwhile.
/// </summary>
public sealed class KubernetesConfigSourceTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Reviews = "reviews.default.svc.cluster.local";
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero });
    private readonly int port = FreePort.Next();
    private FakeApiServer api = null!;
    private Backend reviewsV1 = null!;
    private Backend reviewsV2 = null!;
    private string kubeconfig = "";
    private KubernetesConfigSource? source;
    private ResourceStatusWriter? status;

    public async Task InitializeAsync()
    {
        api = await FakeApiServer.StartAsync();
        api.ServeIstioKinds();
        reviewsV1 = await Backend.StartAsync("reviews-v1", address: IPAddress.Parse("127.0.86.21"));
        reviewsV2 = await Backend.StartAsync("reviews-v2", address: IPAddress.Parse("127.0.86.22"));
        kubeconfig = Path.GetTempFileName();
        await File.WriteAllTextAsync(kubeconfig, ApiObjects.Kubeconfig(api.Address));
    }

    public async Task DisposeAsync()
    {
        if (status is not null)
        {
            await status.DisposeAsync();
        }

        http.Dispose();
        await reviewsV1.DisposeAsync();
        await reviewsV2.DisposeAsync();
        await api.DisposeAsync();
        File.Delete(kubeconfig);
    }

    [Fact]
    public async Task Service_slices_and_pods_become_endpoints_and_a_pod_going_not_ready_leaves_within_a_second()
    {
        PutBookinfoReviews();
        await using var mesh = await StartMeshAsync();
        var sleep = await mesh.SidecarAsync("sleep", "default");
        await Eventually.Until(() => sleep.Ready && HealthyEndpoints(sleep).Count == 2, mesh.Log);

        // The cluster's endpoints are the slices' addresses on the slices' ports, named by their pods
        var endpoints = ReviewsEndpoints(sleep);
        Assert.Equal(["127.0.86.21:" + reviewsV1.Http1Port, "127.0.86.22:" + reviewsV2.Http1Port],
            endpoints.Select(e => $"{e.Address}:{e.Port}").Order(StringComparer.Ordinal));
        Assert.Contains(endpoints, e => e.Labels["version"] == "v2" && e.Workload.EndsWith("reviews-v2", StringComparison.Ordinal));

        // Real requests through the sidecar reach both pods
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await SendAsync());
        }

        Assert.True(reviewsV1.Requests > 0 && reviewsV2.Requests > 0, $"v1 {reviewsV1.Requests}, v2 {reviewsV2.Requests}");

        // v1's pod fails its readiness probe: the endpoints controller marks it not ready in its slice
        var clock = Stopwatch.StartNew();
        api.Put(ApiObjects.Slice("reviews-v1", reviewsV1.Http1Port, ("127.0.86.21", "reviews-v1", false)));
        await Eventually.Until(() => HealthyEndpoints(sleep).Count == 1, mesh.Log);
        output.WriteLine($"a not-ready pod left the proxy's endpoints {clock.ElapsedMilliseconds} ms after the slice changed");
        var before = reviewsV1.Requests;
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await SendAsync());
        }

        Assert.Equal(before, reviewsV1.Requests);

        // The slice and pod deleted (scaled down): the endpoint is gone, not just unhealthy
        api.Remove("discovery.k8s.io", "endpointslices", "default", "reviews-v1");
        api.Remove("", "pods", "default", "reviews-v1");
        await Eventually.Until(() => ReviewsEndpoints(sleep).Count == 1, mesh.Log);
    }

    [Fact]
    public async Task A_virtual_service_applied_through_the_api_reaches_the_proxy_and_an_invalid_one_is_rejected_by_its_path()
    {
        PutBookinfoReviews();
        await using var mesh = await StartMeshAsync();
        var sleep = await mesh.SidecarAsync("sleep", "default");
        await Eventually.Until(() => sleep.Ready && HealthyEndpoints(sleep).Count == 2, mesh.Log);

        // istio.io request routing: jason goes to v2, everyone else to v1 (short host names resolve in the
        // VirtualService's namespace)
        api.Put("""
            {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "reviews", "namespace": "default"},
             "spec": {"host": "reviews", "subsets": [{"name": "v1", "labels": {"version": "v1"}}, {"name": "v2", "labels": {"version": "v2"}}]}}
            """);
        var clock = Stopwatch.StartNew();
        api.Put(ReviewsRouting(jasonSubset: "v2"));
        await Eventually.Until(async () => await SendAsync("jason") == HttpStatusCode.OK && reviewsV2.Seen.Count > 0 && await OnlyReaches(reviewsV1, null), mesh.Log);
        output.WriteLine($"the VirtualService reached the proxy's routes {clock.ElapsedMilliseconds} ms after it was applied");
        Assert.True(await OnlyReaches(reviewsV2, "jason"));

        // Status written back where Istio writes it: in force, this generation, and the analyzers' findings (a
        // route to a subset no DestinationRule defines: IST0101)
        await Eventually.Until(() => Condition("reviews") is ("True", _) && Status("reviews")?["observedGeneration"]?.GetValue<long>() == 1, mesh.Log);
        api.Put(ReviewsRouting(jasonSubset: "v2").Replace("\"name\": \"reviews\"", "\"name\": \"reviews-canary\"", StringComparison.Ordinal).Replace("\"subset\": \"v2\"", "\"subset\": \"v9\"", StringComparison.Ordinal));
        await Eventually.Until(() => Status("reviews-canary")?["validationMessages"]?.AsArray().Any(m => m!["type"]!["code"]!.GetValue<string>() == "IST0101") == true,
            () => Status("reviews-canary")?.ToJsonString() + "\n" + mesh.Log());
        api.Remove("networking.istio.io", "virtualservices", "default", "reviews-canary");

        // An update that Istio's validation rejects (a destination without a host) is refused, named by its API path, and the
        // last valid version stays in force
        var generation = mesh.ControlPlane.Config.Number;
        api.Put(ReviewsRouting(jasonSubset: "v2").Replace("\"host\": \"reviews\", \"subset\": \"v2\"", "\"subset\": \"v2\"", StringComparison.Ordinal));
        await Eventually.Until(() => mesh.ControlPlane.Config.Number > generation, mesh.Log);
        var rejected = Assert.Single(mesh.ControlPlane.Config.Rejected);
        Assert.Contains("/apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews", rejected.ToString(), StringComparison.Ordinal);
        output.WriteLine(rejected.ToString());
        Assert.True(await OnlyReaches(reviewsV2, "jason"));
        await Eventually.Until(() => Condition("reviews") is ("False", { } message) && message.Contains("host is required", StringComparison.Ordinal), mesh.Log);

        // Fixed (jason to v1 now), then deleted: routing follows each change
        api.Put(ReviewsRouting(jasonSubset: "v1"));
        await Eventually.Until(() => OnlyReaches(reviewsV1, "jason"), mesh.Log);
        Assert.Empty(mesh.ControlPlane.Config.Rejected);
        await Eventually.Until(() => Condition("reviews") is ("True", _) && Status("reviews")?["observedGeneration"]?.GetValue<long>() == 3, mesh.Log);
        api.Remove("networking.istio.io", "virtualservices", "default", "reviews");
        await Eventually.Until(async () => await OnlyReaches(reviewsV2, null) is false && await SendAsync() == HttpStatusCode.OK, mesh.Log);
    }

    [Fact]
    public async Task After_an_api_server_restart_the_control_plane_relists_and_converges()
    {
        PutBookinfoReviews();
        await using var mesh = await StartMeshAsync();
        var sleep = await mesh.SidecarAsync("sleep", "default");
        await Eventually.Until(() => sleep.Ready && HealthyEndpoints(sleep).Count == 2, mesh.Log);
        var pods = source!.Watches.Single(w => w.Kind.Plural == "pods");
        Assert.Equal(1, pods.Lists);

        // The API server goes away; while it is down v2 stops being ready and a VirtualService is created; it comes
        // back on the same address with its watch history gone, so every resumed watch is answered 410 Gone
        await api.StopAsync();
        api.Put(ApiObjects.Slice("reviews-v2", reviewsV2.Http1Port, ("127.0.86.22", "reviews-v2", false)));
        api.Put("""
            {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "reviews", "namespace": "default"},
             "spec": {"hosts": ["reviews"], "http": [{"fault": {"abort": {"httpStatus": 418, "percentage": {"value": 100}}}, "route": [{"destination": {"host": "reviews"}}]}]}}
            """);
        await Task.Delay(300);
        await api.RestartAsync();

        await Eventually.Until(() => pods.Lists >= 2 && HealthyEndpoints(sleep).Count == 1,
            () => string.Join("\n", source.Objects.Snapshot().Where(o => o.Path.Contains("endpointslices", StringComparison.Ordinal)).Select(o => o.Object.ToJsonString())) + "\n"
                + string.Join("\n", api.Requests.TakeLast(40)));
        await Eventually.Until(async () => await SendAsync() == (HttpStatusCode)418, mesh.Log);
        Assert.True(mesh.Logged("is gone (410): listing again"), mesh.Log());
        Assert.True(sleep.Ready, "the proxy kept its config while the API server was away");

        // Watching again afterwards: a change after the restart arrives without another list
        var lists = pods.Lists;
        api.Remove("networking.istio.io", "virtualservices", "default", "reviews");
        await Eventually.Until(async () => await SendAsync() == HttpStatusCode.OK, mesh.Log);
        Assert.Equal(lists, pods.Lists);
    }

    [Fact]
    public async Task Lists_are_chunked_and_watches_keep_their_version_with_bookmarks()
    {
        PutBookinfoReviews();
        for (var i = 0; i < 5; i++)
        {
            api.Put(ApiObjects.Pod($"filler-{i}", $"127.0.86.{100 + i}", "filler", ready: true));
        }

        api.BookmarkInterval = TimeSpan.FromMilliseconds(200);
        await using var mesh = await StartMeshAsync(new WatchTiming { PageSize = 2 });
        var pods = source!.Watches.Single(w => w.Kind.Plural == "pods");
        Assert.Equal(8, source.Objects.Snapshot().Count(o => o.Path.StartsWith("/api/v1/namespaces/default/pods/", StringComparison.Ordinal)));
        Assert.Contains(api.Requests, r => r.StartsWith("GET /api/v1/pods?limit=2&continue=", StringComparison.Ordinal));

        // A bookmark moves the watch's version on with no object changed (so a resumed watch does not replay)
        var version = long.Parse(pods.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture);
        api.Put("""{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "unwatched", "namespace": "default"}}""");
        await Eventually.Until(() => api.BookmarksSent > 0 && long.Parse(pods.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) > version,
            () => $"pods at {pods.ResourceVersion}, bookmarks {api.BookmarksSent}\n" + mesh.Log());
        Assert.Equal(1, pods.Lists);
    }

    [Fact]
    public async Task A_jwks_uri_that_failed_is_fetched_again_without_any_object_changing()
    {
        // istiod keeps retrying a jwksUri it could not fetch; the directory source does too (a failed set is due at
        // once, fetched again at most every 5 s): an unchanged cluster must not leave the issuer's tokens refused
        var serving = false;
        var builder = WebApplication.CreateSlimBuilder();
        var jwksPort = FreePort.Next();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, jwksPort));
        await using var keys = builder.Build();
        keys.Run(async ctx =>
        {
            ctx.Response.StatusCode = Volatile.Read(ref serving) ? 200 : 503;
            await ctx.Response.WriteAsync(Volatile.Read(ref serving) ? "{\"keys\": []}" : "down");
        });
        await keys.StartAsync();
        api.Put($$$"""
            {"apiVersion": "security.istio.io/v1", "kind": "RequestAuthentication", "metadata": {"name": "jwt", "namespace": "default"},
             "spec": {"jwtRules": [{"issuer": "issuer@example.com", "jwksUri": "http://127.0.0.1:{{{jwksPort}}}/jwks.json"}]}}
            """);
        using var connection = KubernetesConnection.Create(kubeconfig);
        await using var started = await KubernetesConfigSource.StartAsync(connection, Causeway.Translation.Mesh.MeshSettings.Default,
            TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200), _ => { });
        var uri = $"http://127.0.0.1:{jwksPort}/jwks.json";
        Assert.Equal("HTTP 503", started.Current.Mesh.Jwks[uri].Error);

        Volatile.Write(ref serving, true);
        await Eventually.Until(() => started.Current.Mesh.Jwks[uri].Error is null, () => started.Current.Mesh.Jwks[uri].Error ?? "");
        Assert.Contains("\"keys\"", started.Current.Mesh.Jwks[uri].Keys, StringComparison.Ordinal);
    }

    private async Task<PushedMesh> StartMeshAsync(WatchTiming? timing = null)
    {
        PushedMesh? mesh = null;
        mesh = await PushedMesh.StartAsync(new Dictionary<string, string>(), source: async settings =>
        {
            var connection = KubernetesConnection.Create(kubeconfig);
            source = await KubernetesConfigSource.StartAsync(connection, settings,
                TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300), s => mesh?.Record("control plane: " + s), timing);
            status = new ResourceStatusWriter(connection, source, s => mesh?.Record("status: " + s));
            return source;
        });
        return mesh;
    }

    /// <summary>Bookinfo's reviews (two versions, one pod each, a slice per pod as their ports differ here) and a sleep client whose Sidecar binds a loopback listener.</summary>
    private void PutBookinfoReviews()
    {
        api.Put("""{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default", "labels": {"istio-injection": "enabled"}}}""");
        api.Put($$$$"""
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "reviews", "namespace": "default", "labels": {"app": "reviews"}},
             "spec": {"clusterIP": "10.96.0.42", "selector": {"app": "reviews"}, "ports": [{"name": "http", "port": {{{{port}}}}, "targetPort": 9080}]}}
            """);
        api.Put(ApiObjects.Pod("reviews-v1", "127.0.86.21", "reviews", ready: true, version: "v1"));
        api.Put(ApiObjects.Pod("reviews-v2", "127.0.86.22", "reviews", ready: true, version: "v2"));
        api.Put(ApiObjects.Pod("sleep", "127.0.86.11", "sleep", ready: true));
        api.Put(ApiObjects.Slice("reviews-v1", reviewsV1.Http1Port, ("127.0.86.21", "reviews-v1", true)));
        api.Put(ApiObjects.Slice("reviews-v2", reviewsV2.Http1Port, ("127.0.86.22", "reviews-v2", true)));
        api.Put($$$$"""
            {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "metadata": {"name": "sleep", "namespace": "default"},
             "spec": {"workloadSelector": {"labels": {"app": "sleep"}},
                      "egress": [{"port": {"number": {{{{port}}}}, "protocol": "HTTP", "name": "http"}, "bind": "127.0.86.1", "captureMode": "NONE", "hosts": ["./*"]}]}}
            """);
    }

    private static string ReviewsRouting(string jasonSubset) => $$$$"""
        {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "reviews", "namespace": "default"},
         "spec": {"hosts": ["reviews"], "http": [
           {"match": [{"headers": {"end-user": {"exact": "jason"}}}], "route": [{"destination": {"host": "reviews", "subset": "{{{{jasonSubset}}}}"}}]},
           {"route": [{"destination": {"host": "reviews", "subset": "v1"}}]}]}}
        """;

    private System.Text.Json.Nodes.JsonObject? Status(string virtualService) =>
        api.Get("networking.istio.io", "virtualservices", "default", virtualService)?["status"] as System.Text.Json.Nodes.JsonObject;

    private (string? Status, string? Message) Condition(string virtualService) =>
        Status(virtualService)?["conditions"]?[0] is { } c ? (c["status"]?.GetValue<string>(), c["message"]?.GetValue<string>()) : (null, null);

    /// <summary>The endpoints the proxy holds for reviews (its subsetless cluster), as pushed.</summary>
    private static List<Endpoint> ReviewsEndpoints(PushedProxy proxy)
    {
        var snapshot = proxy.Host.State.Current?.Source;
        var cluster = snapshot?.Clusters.FirstOrDefault(c => c.Service == Reviews && c.Subset.Length == 0);
        return cluster is null ? [] : [.. snapshot!.Endpoints.Where(e => e.Cluster == cluster.Name).SelectMany(e => e.Endpoints)];
    }

    private static List<Endpoint> HealthyEndpoints(PushedProxy proxy) => [.. ReviewsEndpoints(proxy).Where(e => e.Healthy)];

    private async Task<HttpStatusCode> SendAsync(string? user = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.86.1:{port}/reviews/0");
        request.Headers.Host = Reviews;
        if (user is not null)
        {
            request.Headers.Add("end-user", user);
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Ten requests (as USER) all answered by BACKEND.</summary>
    private async Task<bool> OnlyReaches(Backend backend, string? user)
    {
        var before = backend.Requests;
        for (var i = 0; i < 10; i++)
        {
            if (await SendAsync(user) != HttpStatusCode.OK)
            {
                return false;
            }
        }

        return backend.Requests == before + 10;
    }
}
