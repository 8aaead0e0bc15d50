using System.Diagnostics;
using System.Net;
using Causeway.Proxy.Resilience;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Timeouts, retries, circuit breaking, outlier detection, fault injection and local rate limiting through the real
/// proxy to real backends, replaying the istio.io traffic-management tasks. Timing assertions are generous upper
/// bounds only where the behaviour is about time (a timeout must cut a 2 s wait short).
/// </summary>
public sealed class ResilienceTests : IAsyncLifetime
{
    private const string Cluster = "outbound|9080||reviews.default.svc.cluster.local";
    private Backend a = null!;
    private Backend b = null!;
    private Backend c = null!;
    private readonly HttpClient client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });

    public async Task InitializeAsync()
    {
        a = await Backend.StartAsync("a");
        b = await Backend.StartAsync("b");
        c = await Backend.StartAsync("c");
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await a.DisposeAsync();
        await b.DisposeAsync();
        await c.DisposeAsync();
    }

    [Fact]
    public async Task Route_timeout_cuts_a_slow_backend_short_with_504_UT()
    {
        // istio.io request-timeouts task: ratings delayed 2 s, reviews timeout 0.5 s.
        a.DelayMs = 2000;
        await using var proxy = await Start([a], """
            http:
            - timeout: 0.5s
              route: [{destination: {host: reviews}}]
            """);
        var watch = Stopwatch.StartNew();
        var response = await Send(proxy);
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream request timeout", await response.Content.ReadAsStringAsync());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.9), $"took {watch.Elapsed}");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(450), $"took {watch.Elapsed}");
        Assert.Equal(1, proxy.Host.Stats.Count(code: 504, flag: "UT"));
        Assert.Equal(1, Counters(proxy).Timeouts);
    }

    [Fact]
    public async Task The_client_can_set_the_timeout_with_x_envoy_upstream_rq_timeout_ms()
    {
        // Istio's request-timeouts task: the x-envoy-upstream-rq-timeout-ms header overrides the route's timeout.
        a.DelayMs = 2000;
        await using var proxy = await Start([a], "http: [{route: [{destination: {host: reviews}}]}]");
        var response = await Send(proxy, configure: r => r.Headers.Add("x-envoy-upstream-rq-timeout-ms", "300"));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task A_503_once_is_retried_and_recovers_with_the_attempt_count_upstream()
    {
        a.Next.Enqueue((503, 0));
        await using var proxy = await Start([a], """
            http:
            - retries: {attempts: 2, retryOn: 5xx}
              route: [{destination: {host: reviews}}]
            """);
        var response = await Send(proxy);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, a.Requests);
        Assert.Contains("\"x-envoy-attempt-count\":\"2\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, Counters(proxy).Retries);
    }

    [Fact]
    public async Task Retries_exhausted_return_the_last_answer_with_URX()
    {
        a.AlwaysStatus = 503;
        await using var proxy = await Start([a], """
            http:
            - retries: {attempts: 3, retryOn: "503"}
              route: [{destination: {host: reviews}}]
            """);
        var response = await Send(proxy);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(4, a.Requests); // 1 + attempts
        Assert.Equal(1, proxy.Host.Stats.Count(code: 503, flag: "URX"));
    }

    [Fact]
    public async Task A_post_is_not_retried_on_503_under_the_default_policy()
    {
        // Istio's default retry policy (connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes with
        // no codes, as in the current retry.go) does not resend a POST the application answered with 503.
        a.AlwaysStatus = 503;
        await using var proxy = await Start([a], "http: [{route: [{destination: {host: reviews}}]}]");
        var response = await Send(proxy, HttpMethod.Post, body: "pay 100");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, a.Requests);
        Assert.Equal(0, Counters(proxy).Retries);
    }

    [Fact]
    public async Task The_default_policy_retries_a_connect_failure_on_another_host_and_replays_the_body()
    {
        var dead = FreePort.Next();
        var yaml = MeshYaml.Service("reviews", "default", [(a, "v1"), (b, "v2")]).Replace($"http: {b.Http1Port}", $"http: {dead}", StringComparison.Ordinal) + MeshYaml.Client();
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, "client", "default", 9080);
        for (var i = 0; i < 10; i++)
        {
            var response = await Send(proxy, HttpMethod.Post, body: "order " + i);
            Assert.True(response.StatusCode == HttpStatusCode.OK, proxy.Host.Stats.Render() + await response.Content.ReadAsStringAsync());
            Assert.Contains($"\"body\":\"order {i}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(10, a.Requests);
    }

    [Fact]
    public async Task A_retry_with_no_host_left_answers_503_UH_rather_than_an_empty_response()
    {
        // The only host answers 503 and is ejected by it; the retry then finds no host to go to.
        a.AlwaysStatus = 503;
        await using var proxy = await Start([a], """
            http:
            - retries: {attempts: 2, retryOn: 5xx}
              route: [{destination: {host: reviews}}]
            """, """
            trafficPolicy:
              outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100}
            """);
        var response = await Send(proxy);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("no healthy upstream", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, a.Requests);
        Assert.Equal(1, proxy.Host.Stats.Count(code: 503, flag: "UH,URX"));
    }

    [Fact]
    public async Task Per_try_timeout_moves_a_stuck_attempt_to_a_fresh_one()
    {
        a.Next.Enqueue((0, 3000));
        await using var proxy = await Start([a], """
            http:
            - retries: {attempts: 2, perTryTimeout: 0.3s, retryOn: "5xx"}
              route: [{destination: {host: reviews}}]
            """);
        var watch = Stopwatch.StartNew();
        var response = await Send(proxy);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), $"took {watch.Elapsed}");
        Assert.Equal(1, Counters(proxy).PerTryTimeouts);
    }

    [Fact]
    public async Task Circuit_breaker_overflows_with_503_UO_and_x_envoy_overloaded()
    {
        // istio.io circuit-breaking task: maxConnections 1, http1MaxPendingRequests 1, maxRequestsPerConnection 1.
        a.DelayMs = 500;
        await using var proxy = await Start([a], "http: [{route: [{destination: {host: reviews}}]}]", """
            trafficPolicy:
              connectionPool:
                tcp: {maxConnections: 1}
                http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
            """);
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Send(proxy)));
        var ok = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        var overflow = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.True(ok >= 1 && overflow.Count >= 1, $"{ok} ok, {overflow.Count} overflowed");
        Assert.Equal(4, ok + overflow.Count);
        Assert.All(overflow, r => Assert.Equal("true", r.Headers.GetValues("x-envoy-overloaded").Single()));
        Assert.Equal(overflow.Count, proxy.Host.Stats.Count(code: 503, flag: "UO"));
        Assert.Equal(overflow.Count, Counters(proxy).Overflow);
        var stats = await client.GetStringAsync(proxy.Admin("/stats"));
        Assert.Contains($"cluster.{Cluster}.upstream_rq_overflow: {overflow.Count}\n", stats, StringComparison.Ordinal);
        Assert.Contains($"requests{{cluster=\"{Cluster}\",code=\"503\",flags=\"UO\"}} {overflow.Count}\n", stats, StringComparison.Ordinal);
        Assert.True(a.Requests <= 2 + 0, $"backend saw {a.Requests}"); // one connection, one pending: never more than two reach it at once
    }

    [Fact]
    public async Task Fault_injection_delays_and_aborts_only_jason()
    {
        // istio.io fault-injection task (virtual-service-ratings-test-delay/abort.yaml), with a 0.5 s delay.
        await using var proxy = await Start([a], """
            http:
            - match: [{headers: {end-user: {exact: jason}}, uri: {prefix: /slow}}]
              fault: {delay: {fixedDelay: 0.5s, percentage: {value: 100}}}
              route: [{destination: {host: reviews}}]
            - match: [{headers: {end-user: {exact: jason}}}]
              fault: {abort: {httpStatus: 500, percentage: {value: 100}}}
              route: [{destination: {host: reviews}}]
            - route: [{destination: {host: reviews}}]
            """);
        var watch = Stopwatch.StartNew();
        var slow = await Send(proxy, path: "/slow", configure: r => r.Headers.Add("end-user", "jason"));
        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(450), $"took {watch.Elapsed}");
        var aborted = await Send(proxy, configure: r => r.Headers.Add("end-user", "jason"));
        Assert.Equal(HttpStatusCode.InternalServerError, aborted.StatusCode);
        Assert.Equal("fault filter abort", await aborted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await Send(proxy, configure: r => r.Headers.Add("end-user", "mary"))).StatusCode);
        Assert.Equal(1, proxy.Host.Stats.Count(code: 200, flag: "DI"));
        Assert.Equal(1, proxy.Host.Stats.Count(code: 500, flag: "FI"));
        Assert.Equal(2, a.Requests); // the aborted request never reached the backend
    }

    [Fact]
    public async Task A_grpc_abort_answers_200_with_grpc_status()
    {
        await using var proxy = await Start([a], """
            http:
            - fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}}
              route: [{destination: {host: reviews}}]
            """);
        var response = await Send(proxy);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Outlier_detection_ejects_the_failing_backend_so_errors_stop_after_the_first_few()
    {
        c.AlwaysStatus = 503;
        await using var proxy = await Start([a, b, c], "http: [{route: [{destination: {host: reviews}}]}]", """
            trafficPolicy:
              outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100}
            """);
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 60; i++)
        {
            codes.Add((await Send(proxy)).StatusCode);
        }

        Assert.Equal(3, codes.Count(s => s == HttpStatusCode.ServiceUnavailable));
        var lastError = codes.LastIndexOf(HttpStatusCode.ServiceUnavailable);
        Assert.True(codes.Skip(lastError + 1).All(s => s == HttpStatusCode.OK));
        Assert.Equal(3, c.Requests);
        Assert.Equal(1, Counters(proxy).Ejections);
        Assert.Contains($"cluster.{Cluster}.outlier_detection.ejections_enforced_total: 1\n", await client.GetStringAsync(proxy.Admin("/stats")), StringComparison.Ordinal);
        Assert.Contains($"{Cluster}::127.0.0.1:{c.Http1Port}::health_flags::/failed_outlier_check", await client.GetStringAsync(proxy.Admin("/clusters")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ejection_survives_a_snapshot_update_for_a_host_that_remains()
    {
        c.AlwaysStatus = 503;
        var dr = """
            trafficPolicy:
              outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100}
            """;
        await using var proxy = await Start([c, a], "http: [{route: [{destination: {host: reviews}}]}]", dr);
        while (c.Requests == 0)
        {
            await Send(proxy);
        }

        var error = await proxy.ReconfigureAsync(Yaml([c, a], "http: [{route: [{destination: {host: reviews}}], timeout: 10s}]", dr), "client", "default");
        Assert.Null(error);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Send(proxy)).StatusCode);
        }

        Assert.Equal(1, c.Requests);
    }

    [Fact]
    public async Task Local_rate_limit_answers_429_RL_with_rate_limit_headers()
    {
        await using var proxy = await Start([a], "http: [{route: [{destination: {host: reviews}}]}]", annotations: """
            annotations:
                causeway.io/local-rate-limit: "maxTokens=3,tokensPerFill=3,fillInterval=1h"
            """);
        var codes = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 5; i++)
        {
            last = await Send(proxy);
            codes.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], codes);
        Assert.Equal("local_rate_limited", await last.Content.ReadAsStringAsync());
        Assert.Equal("3", last.Headers.GetValues("x-ratelimit-limit").Single());
        Assert.Equal("0", last.Headers.GetValues("x-ratelimit-remaining").Single());
        Assert.Equal(2, proxy.Host.Stats.Count(code: 429, flag: "RL"));
        Assert.Equal(3, a.Requests);
    }

    [Fact]
    public async Task A_gateway_rate_limit_annotation_limits_every_request_on_the_listener_before_routing()
    {
        var yaml = MeshYaml.Service("reviews", "default", [(a, "v1")]) + """
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata:
              name: edge
              namespace: default
              annotations:
                causeway.io/local-rate-limit: "maxTokens=2,fillInterval=1h"
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: 8080, name: http, protocol: HTTP}
                hosts: ["*"]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: edge, namespace: default}
            spec:
              hosts: ["*"]
              gateways: [edge]
              http: [{route: [{destination: {host: reviews}}]}]
            """;
        await using var gateway = await ProxyUnderTest.GatewayAsync(yaml, new Dictionary<string, string> { ["istio"] = "ingressgateway" }, 8080);
        var codes = new List<HttpStatusCode>();
        foreach (var host in new[] { "a.example.com", "b.example.com", "c.example.com", "no-route.example.com" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url(8080, "/"));
            request.Headers.Host = host;
            codes.Add((await client.SendAsync(request)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], codes);
        Assert.Equal(2, gateway.Host.Stats.Count(code: 429, flag: "RL"));
    }

    [Fact]
    public async Task Locality_failover_prefers_the_proxys_zone_then_its_region_then_elsewhere()
    {
        // istio.io locality-load-balancing failover task: with outlier detection, traffic stays in the client's
        // locality and moves to the next one only when its hosts fail.
        var yaml = Localities() + "\n" + MeshYaml.Client().Replace("address: 127.0.0.1", "address: 127.0.0.1\n  locality: region1/zone1/sub1", StringComparison.Ordinal);
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, "client", "default", 9080);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("a", (await Send(proxy)).Headers.GetValues("x-backend").Single());
        }

        a.AlwaysStatus = 503; // zone1 fails: ejected after one error, traffic moves to zone2 of the same region
        var seen = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var r = await Send(proxy);
            seen.Add(r.StatusCode == HttpStatusCode.OK ? r.Headers.GetValues("x-backend").Single() : "error");
        }

        Assert.Equal(["error", .. Enumerable.Repeat("b", 9)], seen);
        b.AlwaysStatus = 503; // then region2
        await Send(proxy);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("c", (await Send(proxy)).Headers.GetValues("x-backend").Single());
        }
    }

    private string Localities() => MeshYaml.Service("reviews", "default", [(a, "v1"), (b, "v2"), (c, "v3")])
        .Replace("  labels:\n    app: reviews\n    version: v1", "  locality: region1/zone1/sub1\n  labels:\n    app: reviews\n    version: v1", StringComparison.Ordinal)
        .Replace("  labels:\n    app: reviews\n    version: v2", "  locality: region1/zone2/sub1\n  labels:\n    app: reviews\n    version: v2", StringComparison.Ordinal)
        .Replace("  labels:\n    app: reviews\n    version: v3", "  locality: region2/zone1/sub1\n  labels:\n    app: reviews\n    version: v3", StringComparison.Ordinal)
        + """
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: default}
        spec:
          host: reviews
          trafficPolicy:
            outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 1m, maxEjectionPercent: 100}
        """;

    private static ClusterCounters Counters(ProxyUnderTest proxy) => proxy.Host.State.Current!.Clusters[Cluster].State.Counters;

    private static string Yaml(Backend[] backends, string http, string? destinationRule = null, string annotations = "")
    {
        var yaml = MeshYaml.Service("reviews", "default", backends.Select((x, i) => (x, "v" + (i + 1)))) + MeshYaml.Client() + $"""
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: default
              {annotations.Trim()}
            spec:
              hosts: [reviews]
              {http.Replace("\n", "\n  ", StringComparison.Ordinal)}

            """;
        if (destinationRule is not null)
        {
            yaml += $"""
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {"{"}name: reviews, namespace: default{"}"}
                spec:
                  host: reviews
                  {destinationRule.Replace("\n", "\n  ", StringComparison.Ordinal)}

                """;
        }

        return yaml;
    }

    private static Task<ProxyUnderTest> Start(Backend[] backends, string http, string? destinationRule = null, string annotations = "") =>
        ProxyUnderTest.SidecarAsync(Yaml(backends, http, destinationRule, annotations), "client", "default", 9080);

    private async Task<HttpResponseMessage> Send(ProxyUnderTest proxy, HttpMethod? method = null, string path = "/", string? body = null, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, proxy.Url(9080, path));
        request.Headers.Host = "reviews";
        if (body is not null)
        {
            request.Content = new StringContent(body);
        }

        configure?.Invoke(request);
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
