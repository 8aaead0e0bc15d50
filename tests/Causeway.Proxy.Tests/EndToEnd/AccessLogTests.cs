using System.Text.Json;
using Causeway.Translation.Mesh;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Access logs as Istio turns them on (MeshConfig accessLogFile/accessLogEncoding, or Telemetry accessLogging with the
/// "envoy" provider): Envoy's default text format (Istio's EnvoyTextLogFormat) or JSON, with flags and response code
/// details, written off the request path.
/// </summary>
public sealed class AccessLogTests : IAsyncLifetime
{
    private readonly HttpClient client = new(new SocketsHttpHandler { UseProxy = false });
    private readonly string file = Path.Combine(Path.GetTempPath(), $"causeway-access-{Guid.NewGuid():N}.log");
    private Backend reviews = null!;

    public async Task InitializeAsync() => reviews = await Backend.StartAsync("reviews");

    public async Task DisposeAsync()
    {
        client.Dispose();
        await reviews.DisposeAsync();
        File.Delete(file);
    }

    [Fact]
    public async Task Text_lines_follow_envoys_default_format_with_flags_and_details()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), new MeshSettings(AccessLogFile: file), "client", "default", 9080);
        await Get(proxy, "reviews", "/ratings?x=1", "curl/8.0");
        await Get(proxy, "nowhere", "/", "curl/8.0");
        var lines = await LinesAsync(2);

        // [START] "METHOD PATH PROTOCOL" CODE FLAGS DETAILS - "-" RX TX DURATION - "XFF" "UA" "ID" "AUTHORITY" "UPSTREAM" CLUSTER - LOCAL REMOTE SNI ROUTE
        var ok = lines.Single(l => l.Contains(" 200 ", StringComparison.Ordinal));
        Assert.Matches(@"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] ""GET /ratings\?x=1 HTTP/1\.1"" 200 - via_upstream - ""-"" 0 \d+ \d+ - ""-"" ""curl/8\.0"" ""[0-9a-f-]{36}"" ""reviews"" ""127\.0\.0\.1:\d+"" outbound\|9080\|\|reviews\.default\.svc\.cluster\.local - 127\.0\.0\.1:\d+ 127\.0\.0\.1:\d+ - default$", ok);
        var notFound = lines.Single(l => l.Contains(" 404 ", StringComparison.Ordinal));
        Assert.Contains("\"GET / HTTP/1.1\" 404 NR route_not_found - \"-\"", notFound, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_encoding_writes_the_same_fields_under_envoys_keys()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), new MeshSettings(AccessLogFile: file, AccessLogJson: true), "client", "default", 9080);
        await Get(proxy, "reviews", "/", "tester");
        var entry = JsonDocument.Parse((await LinesAsync(1))[0]).RootElement;
        Assert.Equal("GET", entry.GetProperty("method").GetString());
        Assert.Equal(200, entry.GetProperty("response_code").GetInt32());
        Assert.Equal("-", entry.GetProperty("response_flags").GetString());
        Assert.Equal("via_upstream", entry.GetProperty("response_code_details").GetString());
        Assert.Equal("tester", entry.GetProperty("user_agent").GetString());
        Assert.Equal("outbound|9080||reviews.default.svc.cluster.local", entry.GetProperty("upstream_cluster").GetString());
    }

    [Fact]
    public async Task A_cel_filter_logs_only_the_requests_it_holds_for()
    {
        // istio.io Telemetry API: accessLogging filter.expression, "response.code >= 400" being the documented example;
        // here with a header and a path condition too.
        var yaml = Mesh() + """
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: errors, namespace: istio-system}
            spec:
              accessLogging:
              - providers: [{name: envoy}]
                filter:
                  expression: "response.code >= 400 || (request.headers['x-debug'] == 'on' && request.url_path.startsWith('/trace'))"
            """;
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, new MeshSettings(AccessLogFile: file), "client", "default", 9080);
        Assert.NotEmpty(proxy.Snapshot.AccessLog.ClientFilter);
        await Get(proxy, "reviews", "/ok-1", "x");
        await Get(proxy, "reviews", "/status/503", "x");
        await Get(proxy, "reviews", "/trace/me", "x"); // no x-debug header: an error in the right side, false on the left
        await Get(proxy, "nowhere", "/", "x");
        using (var debug = new HttpRequestMessage(HttpMethod.Get, proxy.Url(9080, "/trace/me")))
        {
            debug.Headers.Host = "reviews";
            debug.Headers.Add("x-debug", "on");
            (await client.SendAsync(debug)).Dispose();
        }

        await Get(proxy, "reviews", "/ok-2", "x");
        await LinesAsync(3);
        await Task.Delay(1500); // the writer flushes once a second: anything else logged would be there by now
        var lines = File.ReadAllLines(file).Where(l => l.Length > 0).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains(lines, l => l.Contains("\"GET /status/503 HTTP/1.1\" 503", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"GET / HTTP/1.1\" 404 NR", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"GET /trace/me HTTP/1.1\" 200", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_filter_with_an_unknown_attribute_is_named_and_every_request_is_logged()
    {
        var yaml = Mesh() + """
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: typo, namespace: istio-system}
            spec:
              accessLogging: [{providers: [{name: envoy}], filter: {expression: "response.status >= 400"}}]
            """;
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, new MeshSettings(AccessLogFile: file), "client", "default", 9080);
        Assert.Contains(proxy.Snapshot.Notices, n => n.Contains("Telemetry istio-system/typo: accessLogging filter \"response.status >= 400\": unknown attribute response.status", StringComparison.Ordinal));
        await Get(proxy, "reviews", "/", "x");
        Assert.Single(await LinesAsync(1));
    }

    [Fact]
    public async Task A_telemetry_resource_can_turn_the_mesh_wide_log_off_for_a_namespace()
    {
        // Telemetry in the workload's namespace wins over the mesh config.
        var yaml = Mesh() + """
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: quiet, namespace: default}
            spec:
              accessLogging: [{disabled: true}]
            """;
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, new MeshSettings(AccessLogFile: file), "client", "default", 9080);
        Assert.Null(proxy.Snapshot.AccessLog);
        await Get(proxy, "reviews", "/", "x");
        await Task.Delay(300);
        Assert.False(File.Exists(file) && new FileInfo(file).Length > 0);
    }

    [Fact]
    public async Task Every_refusal_is_logged_with_its_flag_and_details_in_the_same_format()
    {
        // One route per case: each produces one of Envoy's flags (the routes' VirtualService is below).
        var dead = FreePort.Next();
        reviews.Next.Enqueue((503, 0));
        var yaml = MeshYaml.Service("reviews", "default", [(reviews, "v1")]) + MeshYaml.Client() + "---\n"
            + MeshYaml.Service("dead", "default", [(reviews, "v1")]).Replace($"http: {reviews.Http1Port}", $"http: {dead}", StringComparison.Ordinal) + "---\n"
            + MeshYaml.Service("busy", "default", [(reviews, "v1")])
            + """
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: empty, namespace: default}
            spec:
              hosts: [empty.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: busy, namespace: default}
            spec:
              host: busy
              trafficPolicy: {connectionPool: {http: {http2MaxRequests: 1}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: default
              annotations: {causeway.io/local-rate-limit.limited: "maxTokens=1,fillInterval=1h"}
            spec:
              hosts: [reviews]
              http:
              - name: retried
                match: [{uri: {prefix: /urx}}]
                retries: {attempts: 1, retryOn: "503"}
                route: [{destination: {host: reviews}}]
              - name: slow
                match: [{uri: {prefix: /ut}}]
                timeout: 0.2s
                route: [{destination: {host: reviews}}]
              - name: delayed
                match: [{uri: {prefix: /di}}]
                fault: {delay: {fixedDelay: 0.01s, percentage: {value: 100}}}
                route: [{destination: {host: reviews}}]
              - name: aborted
                match: [{uri: {prefix: /fi}}]
                fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                route: [{destination: {host: reviews}}]
              - name: limited
                match: [{uri: {prefix: /rl}}]
                route: [{destination: {host: reviews}}]
              - name: unreachable
                match: [{uri: {prefix: /uf}}]
                route: [{destination: {host: dead}}]
              - name: nobody
                match: [{uri: {prefix: /uh}}]
                route: [{destination: {host: empty}}]
              - name: full
                match: [{uri: {prefix: /uo}}]
                route: [{destination: {host: busy}}]
              - route: [{destination: {host: reviews}}]
            """;
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, new MeshSettings(AccessLogFile: file), "client", "default", 9080);
        reviews.Next.Clear();
        reviews.Next.Enqueue((503, 0));
        reviews.Next.Enqueue((503, 0));
        await Get(proxy, "reviews", "/urx", "t");
        reviews.Next.Enqueue((0, 2000));
        await Get(proxy, "reviews", "/ut", "t");
        await Get(proxy, "reviews", "/di", "t");
        await Get(proxy, "reviews", "/fi", "t");
        await Get(proxy, "reviews", "/rl", "t");
        await Get(proxy, "reviews", "/rl", "t");
        await Get(proxy, "reviews", "/uf", "t");
        await Get(proxy, "reviews", "/uh", "t");
        // UO: busy allows one request in flight (http2MaxRequests: 1); the second arrives while the first is held.
        reviews.Next.Enqueue((0, 1500));
        var held = Get(proxy, "reviews", "/uo/held", "t");
        await Eventually.Until(() =>
        {
            lock (reviews.Seen)
            {
                return reviews.Seen.Any(s => s.Path == "/uo/held");
            }
        });
        await Get(proxy, "reviews", "/uo/refused", "t");
        await held;
        await Get(proxy, "nowhere", "/nr", "t");
        var lines = await LinesAsync(11);
        var format = new System.Text.RegularExpressions.Regex(@"^\[[^\]]+\] ""GET (?<path>\S+) HTTP/1\.1"" (?<code>\d+) (?<flags>\S+) (?<details>\S+) - ""-"" \d+ \d+ \d+ - ""[^""]*"" ""t"" ""[^""]*"" ""(?:reviews|nowhere)"" ""[^""]*"" \S+ - \S+ \S+ - (?<route>\S+)$");
        var parsed = lines.Select(l => format.Match(l)).ToList();
        Assert.All(parsed, m => Assert.True(m.Success, string.Join("\n", lines)));
        string Line(string path, int nth = 0) => parsed.Where(m => m.Groups["path"].Value == path).Select(m => $"{m.Groups["code"].Value} {m.Groups["flags"].Value} {m.Groups["details"].Value} {m.Groups["route"].Value}").ElementAt(nth);
        Assert.Equal("503 URX via_upstream retried", Line("/urx"));
        Assert.Equal("504 UT response_timeout slow", Line("/ut"));
        Assert.Equal("200 DI via_upstream delayed", Line("/di"));
        Assert.Equal("418 FI fault_filter_abort aborted", Line("/fi"));
        Assert.Equal("200 - via_upstream limited", Line("/rl"));
        Assert.Equal("429 RL local_rate_limited -", Line("/rl", 1));
        Assert.Equal("503 UF,URX upstream_reset_before_response_started{connection_failure} unreachable", Line("/uf"));
        Assert.Equal("503 UH no_healthy_upstream nobody", Line("/uh"));
        Assert.Equal("200 - via_upstream full", Line("/uo/held"));
        Assert.Equal("503 UO upstream_reset_before_response_started{overflow} full", Line("/uo/refused"));
        Assert.Equal("404 NR route_not_found -", Line("/nr"));
    }

    private string Mesh() => MeshYaml.Service("reviews", "default", [(reviews, "v1")]) + MeshYaml.Client();

    private async Task Get(ProxyUnderTest proxy, string host, string path, string agent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, proxy.Url(9080, path));
        request.Headers.Host = host;
        request.Headers.UserAgent.ParseAdd(agent);
        using var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
    }

    private async Task<List<string>> LinesAsync(int count)
    {
        var lines = new List<string>();
        await Eventually.Until(() =>
        {
            lines = File.Exists(file) ? File.ReadAllLines(file).Where(l => l.Length > 0).ToList() : [];
            return lines.Count >= count;
        });
        return lines;
    }
}
