using System.Net;
using System.Text.Json;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>Real HTTP through the real proxy to real backends on 127.0.0.1.</summary>
public sealed class HttpRoutingTests : IAsyncLifetime
{
    private Backend v1 = null!;
    private Backend v2 = null!;
    private Backend v3 = null!;
    private readonly HttpClient client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });

    public async Task InitializeAsync()
    {
        v1 = await Backend.StartAsync("v1");
        v2 = await Backend.StartAsync("v2");
        v3 = await Backend.StartAsync("v3");
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await v1.DisposeAsync();
        await v2.DisposeAsync();
        await v3.DisposeAsync();
    }

    private string Reviews(string virtualService) =>
        MeshYaml.Service("reviews", "default", [(v1, "v1"), (v2, "v2"), (v3, "v3")]) + MeshYaml.Client() + MeshYaml.Subsets("reviews", "default", "v1", "v2", "v3") + virtualService;

    private async Task<(HttpStatusCode Status, string Backend, JsonElement Echo, HttpResponseMessage Response)> Get(ProxyUnderTest proxy, string host, string path = "/", Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, proxy.Url(9080, path));
        request.Headers.Host = host;
        configure?.Invoke(request);
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var echo = body.StartsWith('{') ? JsonDocument.Parse(body).RootElement.Clone() : default;
        var backend = response.Headers.TryGetValues("x-backend", out var b) ? b.First() : "";
        return (response.StatusCode, backend, echo, response);
    }

    [Fact]
    public async Task Header_match_sends_jason_to_v2_and_everyone_else_to_v1()
    {
        // istio.io request-routing task (virtual-service-reviews-test-v2.yaml)
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews("""
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews]
              http:
              - match: [{headers: {end-user: {exact: jason}}}]
                route: [{destination: {host: reviews, subset: v2}}]
              - route: [{destination: {host: reviews, subset: v1}}]
            """), "client", "default", 9080);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("v2", (await Get(proxy, "reviews:9080", "/reviews/0", r => r.Headers.Add("end-user", "jason"))).Backend);
            Assert.Equal("v1", (await Get(proxy, "reviews:9080", "/reviews/0")).Backend);
        }
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(80, 20)]
    public async Task Weighted_split_lands_within_ten_per_hundred(int a, int b)
    {
        // istio.io traffic-shifting task: virtual-service-reviews-50-v3.yaml and -80-20.yaml
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews($"""
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: default
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination:
                    host: reviews
                    subset: v1
                  weight: {a}
                - destination:
                    host: reviews
                    subset: v3
                  weight: {b}
            """), "client", "default", 9080);
        // ±10 per 100 over 1,000 requests is ±100: over six standard deviations for 50/50 (σ ≈ 16) and nearly eight
        // for 80/20 (σ ≈ 13), so a fair split never fails it by chance, while a split 15 points off always does.
        var counts = new Dictionary<string, int> { ["v1"] = 0, ["v3"] = 0 };
        for (var i = 0; i < 1000; i++)
        {
            counts[(await Get(proxy, "reviews")).Backend]++;
        }

        Assert.InRange(counts["v1"], 10 * (a - 10), 10 * (a + 10));
        Assert.InRange(counts["v3"], 10 * (b - 10), 10 * (b + 10));
    }

    [Fact]
    public async Task Forwarded_headers_are_set_as_Envoy_sets_them_and_hop_by_hop_headers_are_dropped()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews(""), "client", "default", 9080);
        var (status, _, echo, _) = await Get(proxy, "reviews", "/x?y=1", r =>
        {
            r.Headers.Add("x-forwarded-for", "10.0.0.9");
            r.Headers.TryAddWithoutValidation("Proxy-Connection", "keep-alive");
            r.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5");
        });
        Assert.Equal(HttpStatusCode.OK, status);
        var headers = echo.GetProperty("headers");
        Assert.Equal("10.0.0.9, 127.0.0.1", headers.GetProperty("x-forwarded-for").GetString());
        Assert.Equal("http", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", headers.GetProperty("x-request-id").GetString()); // a UUID v4
        Assert.Equal("1", headers.GetProperty("x-envoy-attempt-count").GetString());
        Assert.False(headers.TryGetProperty("proxy-connection", out _));
        Assert.False(headers.TryGetProperty("keep-alive", out _));
        Assert.Equal("reviews", echo.GetProperty("host").GetString());
        Assert.Equal("?y=1", echo.GetProperty("query").GetString());
    }

    [Fact]
    public async Task A_PASSTHROUGH_cluster_never_balances_over_listed_endpoints_and_without_an_original_destination_is_503_UH()
    {
        // Istio: PASSTHROUGH forwards to the original IP the caller requested, "without doing any form of load
        // balancing". Reached directly (no iptables capture) there is no original destination; the capture case is
        // TransparentCaptureTests in the CLI tests, in a network namespace.
        var yaml = MeshYaml.Service("reviews", "default", [(v1, "v1")]) + MeshYaml.Client() + """
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: default}
            spec:
              host: reviews
              trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}
            """;
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, "client", "default", 9080);
        var (status, _, _, response) = await Get(proxy, "reviews", "/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("no healthy upstream", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, v1.Requests);
    }

    [Fact]
    public async Task An_incoming_request_id_and_forwarded_proto_are_kept_and_the_request_ids_differ_per_request()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews(""), "client", "default", 9080);
        var (_, _, kept, _) = await Get(proxy, "reviews", "/", r =>
        {
            r.Headers.Add("x-request-id", "trace-me-42");
            r.Headers.Add("x-forwarded-proto", "https");
        });
        Assert.Equal("trace-me-42", kept.GetProperty("headers").GetProperty("x-request-id").GetString());
        Assert.Equal("https", kept.GetProperty("headers").GetProperty("x-forwarded-proto").GetString());

        var ids = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            var (_, _, echo, _) = await Get(proxy, "reviews", "/", null);
            ids.Add(echo.GetProperty("headers").GetProperty("x-request-id").GetString()!);
        }

        Assert.Equal(20, ids.Count);
    }

    [Fact]
    public async Task Unknown_host_is_404_and_recorded_as_NR()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews(""), "client", "default", 9080);
        Assert.Equal(HttpStatusCode.NotFound, (await Get(proxy, "nowhere.example.com")).Status);
        Assert.Equal(1, proxy.Host.Stats.Count(code: 404, flag: "NR"));
    }

    [Fact]
    public async Task Unknown_subset_is_503_NC()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews("""
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v9}}]}]}
            """), "client", "default", 9080);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Get(proxy, "reviews")).Status);
        Assert.Equal(1, proxy.Host.Stats.Count(code: 503, flag: "NC"));
    }

    [Fact]
    public async Task Subset_with_no_endpoints_is_503_UH_no_healthy_upstream()
    {
        // The subset is defined (so its cluster exists: not NC) but no instance carries its labels.
        await using var proxy = await ProxyUnderTest.SidecarAsync(
            MeshYaml.Service("reviews", "default", [(v1, "v1")]) + MeshYaml.Client() + MeshYaml.Subsets("reviews", "default", "v1", "v9") + """
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v9}}]}]}
            """, "client", "default", 9080);
        var (status, _, _, response) = await Get(proxy, "reviews");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("no healthy upstream", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, proxy.Host.Stats.Count(code: 503, flag: "UH"));
    }

    [Fact]
    public async Task Connection_refused_upstream_is_503_UF_with_Envoys_body_after_the_default_two_retries()
    {
        var dead = FreePort.Next();
        var yaml = MeshYaml.Service("reviews", "default", [(v1, "v1")]).Replace($"http: {v1.Http1Port}", $"http: {dead}", StringComparison.Ordinal) + MeshYaml.Client();
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, "client", "default", 9080);
        var (status, _, _, response) = await Get(proxy, "reviews");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("upstream connect error or disconnect/reset before headers. reset reason: connection failure", await response.Content.ReadAsStringAsync());
        // Istio's default retry policy retries connect-failure twice, then Envoy reports UF,URX.
        Assert.Equal(1, proxy.Host.Stats.Count(code: 503, flag: "UF,URX"));
        Assert.Equal(2, proxy.Host.State.Current!.Clusters["outbound|9080||reviews.default.svc.cluster.local"].State.Counters.Retries);
    }

    [Fact]
    public async Task Rewrite_replaces_the_matched_prefix_keeps_the_query_and_sets_the_authority()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews("""
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews]
              http:
              - match: [{uri: {prefix: /api/v1}}]
                rewrite: {uri: /v2, authority: new-authority}
                route: [{destination: {host: reviews, subset: v1}}]
              - match: [{uri: {regex: '/items/([0-9]+)'}}]
                rewrite: {uriRegexRewrite: {match: '/items/([0-9]+)', rewrite: '/things/\1'}}
                route: [{destination: {host: reviews, subset: v1}}]
            """), "client", "default", 9080);
        var (_, _, echo, _) = await Get(proxy, "reviews", "/api/v1/users?id=7");
        Assert.Equal(("/v2/users", "?id=7", "new-authority"), (echo.GetProperty("path").GetString(), echo.GetProperty("query").GetString(), echo.GetProperty("host").GetString()));
        Assert.Equal("/things/42", (await Get(proxy, "reviews", "/items/42")).Echo.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Header_operations_on_request_and_response_and_route_authority_wins_over_destination_host()
    {
        // routing.go "set host header in route and destination": the route-level :authority wins.
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews("""
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews]
              http:
              - headers:
                  request:
                    set: {x-set: route, ":authority": route-authority}
                    add: {x-multi: b}
                    remove: [x-drop]
                  response:
                    set: {x-resp: route}
                    remove: [x-backend]
                route:
                - destination: {host: reviews, subset: v1}
                  headers:
                    request: {set: {host: destination-host, x-dest: yes}}
                    response: {add: {x-resp-dest: added}}
            """), "client", "default", 9080);
        var (_, backend, echo, response) = await Get(proxy, "reviews", "/", r =>
        {
            r.Headers.Add("x-multi", "a");
            r.Headers.Add("x-drop", "gone");
        });
        var headers = echo.GetProperty("headers");
        Assert.Equal("route-authority", echo.GetProperty("host").GetString());
        Assert.Equal("route", headers.GetProperty("x-set").GetString());
        Assert.Equal("a,b", headers.GetProperty("x-multi").GetString());
        Assert.Equal("yes", headers.GetProperty("x-dest").GetString());
        Assert.False(headers.TryGetProperty("x-drop", out _));
        Assert.Equal("route", response.Headers.GetValues("x-resp").Single());
        Assert.Equal("added", response.Headers.GetValues("x-resp-dest").Single());
        Assert.Equal("", backend); // removed from the response
    }

    [Fact]
    public async Task Redirect_keeps_the_query_and_direct_response_answers_locally()
    {
        // routing.go: redirect {uri: /new/path} on /foo?key=value gives /new/path?key=value
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews("""
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews]
              http:
              - match: [{uri: {prefix: /foo}}]
                redirect: {uri: /new/path, redirectCode: 308}
              - match: [{uri: {prefix: /teapot}}]
                directResponse: {status: 418, body: {string: "short and stout"}}
              - route: [{destination: {host: reviews, subset: v1}}]
            """), "client", "default", 9080);
        var redirect = await Get(proxy, "b", "/foo?key=value");
        Assert.Equal(HttpStatusCode.NotFound, redirect.Status); // host b has no virtual host: nothing answers it
        redirect = await Get(proxy, "reviews", "/foo?key=value");
        Assert.Equal((HttpStatusCode)308, redirect.Status);
        Assert.Equal("http://reviews/new/path?key=value", redirect.Response.Headers.Location!.ToString());
        var teapot = await Get(proxy, "reviews", "/teapot");
        Assert.Equal((HttpStatusCode)418, teapot.Status);
        Assert.Equal("short and stout", await teapot.Response.Content.ReadAsStringAsync());
        Assert.Equal(0, v1.Requests);
    }

    [Fact]
    public async Task Cors_preflight_is_answered_and_actual_requests_get_the_origin_echoed()
    {
        // routing.go "cors": preflight from cors.com gets the configured allow headers.
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews("""
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews]
              http:
              - corsPolicy:
                  allowOrigins: [{exact: cors.com}]
                  allowMethods: [POST, GET]
                  allowHeaders: [X-Foo-Bar, X-Foo-Baz]
                  maxAge: 24h
                route: [{destination: {host: reviews, subset: v1}}]
            """), "client", "default", 9080);
        using var preflight = new HttpRequestMessage(HttpMethod.Options, proxy.Url(9080));
        preflight.Headers.Host = "reviews";
        preflight.Headers.Add("Origin", "cors.com");
        preflight.Headers.Add("Access-Control-Request-Method", "DELETE");
        var response = await client.SendAsync(preflight);
        Assert.Equal("cors.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("POST,GET", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Equal("X-Foo-Bar,X-Foo-Baz", response.Headers.GetValues("Access-Control-Allow-Headers").Single());
        Assert.Equal("86400", response.Headers.GetValues("Access-Control-Max-Age").Single());
        Assert.Equal(0, v1.Requests);

        var actual = await Get(proxy, "reviews", "/", r => r.Headers.Add("Origin", "cors.com"));
        Assert.Equal("cors.com", actual.Response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var other = await Get(proxy, "reviews", "/", r => r.Headers.Add("Origin", "evil.com"));
        Assert.False(other.Response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Mirroring_sends_a_shadow_copy_and_the_client_sees_only_the_primary()
    {
        // istio.io mirroring task: the mirror gets Host "<host>-shadow"; its response is discarded.
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews("""
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews]
              http:
              - route: [{destination: {host: reviews, subset: v1}}]
                mirror: {host: reviews, subset: v2}
                mirrorPercentage: {value: 100}
            """), "client", "default", 9080);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("v1", (await Get(proxy, "reviews:9080", "/m")).Backend);
        }

        for (var i = 0; i < 50 && v2.Requests < 3; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(3, v2.Requests);
        lock (v2.Seen)
        {
            Assert.All(v2.Seen, s => Assert.Equal("reviews-shadow:9080", s.Host));
        }
    }

    [Fact]
    public async Task Consistent_hash_on_a_header_keeps_a_user_on_one_backend()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews("""
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews-hash, namespace: default}
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer: {consistentHash: {httpHeaderName: x-user}}
            """).Replace("name: reviews\n  namespace: default\nspec:\n  host: reviews\n  subsets", "name: reviews-subsets\n  namespace: other\nspec:\n  host: reviews\n  subsets", StringComparison.Ordinal), "client", "default", 9080);
        foreach (var user in new[] { "alice", "bob", "carol", "dave" })
        {
            var first = (await Get(proxy, "reviews", "/", r => r.Headers.Add("x-user", user))).Backend;
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(first, (await Get(proxy, "reviews", "/", r => r.Headers.Add("x-user", user))).Backend);
            }
        }
    }

    [Fact]
    public async Task Admin_listener_reports_readiness_config_and_endpoints()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Reviews(""), "client", "default", 9080);
        Assert.Equal("LIVE\n", await client.GetStringAsync(proxy.Admin("/ready")));
        var dump = JsonDocument.Parse(await client.GetStringAsync(proxy.Admin("/config_dump"))).RootElement;
        Assert.Equal(proxy.Snapshot.Version, dump.GetProperty("version").GetString());
        var clusters = await client.GetStringAsync(proxy.Admin("/clusters"));
        Assert.Contains($"outbound|9080||reviews.default.svc.cluster.local::127.0.0.1:{v1.Http1Port}::health_flags::healthy", clusters, StringComparison.Ordinal);
    }
}
