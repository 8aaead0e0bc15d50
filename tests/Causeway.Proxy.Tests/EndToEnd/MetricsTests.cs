using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Istio's standard metrics (istio.io "Istio Standard Metrics") scraped from the proxy's /stats/prometheus after real
/// traffic: exact series and values, histogram buckets, and output that an independent Prometheus text parser reads.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly HttpClient client = new(new SocketsHttpHandler { UseProxy = false });
    private Backend reviews = null!;

    public async Task InitializeAsync() => reviews = await Backend.StartAsync("reviews");

    public async Task DisposeAsync()
    {
        client.Dispose();
        await reviews.DisposeAsync();
    }

    [Fact]
    public async Task Requests_are_counted_per_response_code_and_flag_with_istios_labels_and_buckets()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(MeshYaml.Service("reviews", "default", [(reviews, "v1")]) + MeshYaml.Client(), "client", "default", 9080);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Get(proxy, "reviews", "/")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Get(proxy, "reviews", "/status/503")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Get(proxy, "nowhere", "/")).StatusCode);

        var text = await client.GetStringAsync(proxy.Admin("/stats/prometheus"));
        var ok = Series(text, "istio_requests_total", "response_code=\"200\"");
        Assert.Equal(3, ok.Value);
        foreach (var label in new[]
        {
            "reporter=\"source\"", "source_workload=\"client\"", "source_workload_namespace=\"default\"", "source_app=\"client\"",
            "destination_workload=\"reviews-v1\"", "destination_workload_namespace=\"default\"", "destination_app=\"reviews\"",
            "destination_version=\"v1\"", "destination_service=\"reviews.default.svc.cluster.local\"", "destination_service_name=\"reviews\"",
            "destination_service_namespace=\"default\"", "destination_canonical_service=\"reviews\"", "destination_canonical_revision=\"v1\"",
            "request_protocol=\"http\"", "response_flags=\"-\"", "connection_security_policy=\"unknown\"",
        })
        {
            Assert.Contains(label, ok.Labels, StringComparison.Ordinal);
        }

        Assert.Equal(1, Series(text, "istio_requests_total", "response_code=\"503\"").Value);
        var noRoute = Series(text, "istio_requests_total", "response_flags=\"NR\"");
        Assert.Equal(1, noRoute.Value);
        Assert.Contains("response_code=\"404\"", noRoute.Labels, StringComparison.Ordinal);
        Assert.Contains("destination_service=\"unknown\"", noRoute.Labels, StringComparison.Ordinal);

        // Histograms: every request lands in +Inf, buckets never decrease, count matches.
        var buckets = Regex.Matches(text, "^istio_request_duration_milliseconds_bucket\\{([^}]*response_code=\"200\"[^}]*),le=\"([^\"]+)\"\\} (\\d+)$", RegexOptions.Multiline)
            .Select(m => (Le: m.Groups[2].Value, Count: long.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(20, buckets.Count); // Envoy's 19 bounds and +Inf
        Assert.Equal(("+Inf", 3L), buckets[^1]);
        Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First.Count <= p.Second.Count));
        Assert.Equal(3, Series(text, "istio_request_duration_milliseconds_count", "response_code=\"200\"").Value);
        Assert.Equal(3, Series(text, "istio_response_bytes_count", "response_code=\"200\"").Value);

        // The proxy's own statistics ride along: cluster counters, endpoints in flight, memory, config version.
        Assert.Equal(0, Series(text, "envoy_cluster_upstream_rq_retry", "reviews.default.svc.cluster.local").Value);
        Assert.Equal(1, Series(text, "causeway_proxy_config_info", $"version=\"{proxy.Snapshot.Version}\"").Value);
        Assert.Matches(@"(?m)^causeway_proxy_resident_memory_bytes \d+$", text);

        // Per listener (Envoy's listener and connection-manager stats): the five requests by class, and connections.
        var listener = $"listener_name=\"{proxy.Snapshot.Listeners.Single(l => l.Port == 9080).Name}\"";
        Assert.Equal(5, Series(text, "envoy_http_downstream_rq_total", listener).Value);
        Assert.Equal(3, Series(text, "envoy_http_downstream_rq_xx", listener + ",response_code_class=\"2\"").Value);
        Assert.Equal(1, Series(text, "envoy_http_downstream_rq_xx", listener + ",response_code_class=\"4\"").Value);
        Assert.Equal(1, Series(text, "envoy_http_downstream_rq_xx", listener + ",response_code_class=\"5\"").Value);
        var connections = Series(text, "envoy_listener_downstream_cx_total", listener).Value;
        Assert.InRange(connections, 1, 5); // the client reuses connections, so at least one and at most one per request
        Assert.InRange(Series(text, "envoy_listener_downstream_cx_active", listener).Value, 0, connections);
    }

    [Fact]
    public async Task A_telemetry_override_turns_istio_metrics_off_and_proxy_stats_stay()
    {
        var telemetry = "---\napiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: quiet, namespace: istio-system}\nspec:\n  metrics: [{providers: [{name: prometheus}], overrides: [{disabled: true}]}]\n";
        await using var proxy = await ProxyUnderTest.SidecarAsync(MeshYaml.Service("reviews", "default", [(reviews, "v1")]) + MeshYaml.Client() + telemetry, "client", "default", 9080);
        Assert.Equal(HttpStatusCode.OK, (await Get(proxy, "reviews", "/")).StatusCode);
        var text = await client.GetStringAsync(proxy.Admin("/stats/prometheus"));
        Assert.DoesNotMatch("(?m)^istio_requests_total\\{", text);
        Assert.Equal(1, Series(text, "envoy_http_downstream_rq_total", "listener_name=").Value);
    }

    [Fact]
    public async Task Telemetry_overrides_remove_and_add_labels_and_disable_single_metrics()
    {
        // istio.io "Customizing Istio Metrics with Telemetry API": REMOVE a tag, UPSERT tags from request attributes
        // and headers, disable one metric. Mesh-wide overrides first, then the namespace's on top (Istio's order).
        var telemetry = """
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: mesh-default, namespace: istio-system}
            spec:
              metrics:
              - providers: [{name: prometheus}]
                overrides:
                - match: {metric: ALL_METRICS, mode: CLIENT_AND_SERVER}
                  tagOverrides:
                    request_method: {value: request.method}
                    user: {value: "request.headers['x-user']"}
                - match: {metric: REQUEST_COUNT}
                  tagOverrides:
                    request_protocol: {operation: REMOVE}
                    grpc_response_status: {operation: REMOVE}
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: ns, namespace: default}
            spec:
              metrics:
              - overrides:
                - match: {metric: REQUEST_SIZE}
                  disabled: true
                - match: {metric: RESPONSE_SIZE, mode: SERVER}
                  disabled: true
            """;
        await using var proxy = await ProxyUnderTest.SidecarAsync(MeshYaml.Service("reviews", "default", [(reviews, "v1")]) + MeshYaml.Client() + telemetry, "client", "default", 9080);
        foreach (var (method, user) in new[] { ("GET", "jason"), ("GET", "jason"), ("POST", "jason"), ("GET", "mary"), ("GET", null) })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), proxy.Url(9080, "/"));
            request.Headers.Host = "reviews";
            if (user is not null)
            {
                request.Headers.Add("x-user", user);
            }

            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var text = await client.GetStringAsync(proxy.Admin("/stats/prometheus"));
        var jason = Series(text, "istio_requests_total", "request_method=\"GET\",user=\"jason\"");
        Assert.Equal(2, jason.Value);
        Assert.DoesNotContain("request_protocol=", jason.Labels, StringComparison.Ordinal);
        Assert.DoesNotContain("grpc_response_status=", jason.Labels, StringComparison.Ordinal);
        Assert.Contains("destination_workload=\"reviews-v1\"", jason.Labels, StringComparison.Ordinal);
        Assert.Equal(1, Series(text, "istio_requests_total", "request_method=\"POST\",user=\"jason\"").Value);
        Assert.Equal(1, Series(text, "istio_requests_total", "user=\"mary\"").Value);
        Assert.Equal(1, Series(text, "istio_requests_total", "user=\"unknown\"").Value); // no header: a failed expression
        // REMOVE applied to REQUEST_COUNT only; the other metrics keep the label and get the added ones.
        var duration = Series(text, "istio_request_duration_milliseconds_count", "response_code=\"200\",grpc_response_status=\"\",response_flags=\"-\",request_method=\"GET\",user=\"jason\"");
        Assert.Equal(2, duration.Value);
        Assert.Contains("request_protocol=\"http\"", duration.Labels, StringComparison.Ordinal);
        Assert.DoesNotMatch("(?m)^istio_request_bytes", text);
        Assert.Matches("(?m)^istio_response_bytes_count\\{reporter=\"source\"", text); // disabled on the server side only
        Assert.Equal(4, Regex.Count(text, "(?m)^istio_requests_total\\{")); // four label sets, each once
    }

    [Fact]
    public async Task Removing_a_label_merges_the_series_it_told_apart()
    {
        var telemetry = "---\napiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: m, namespace: istio-system}\nspec:\n  metrics: [{overrides: [{tagOverrides: {response_code: {operation: REMOVE}}}]}]\n";
        await using var proxy = await ProxyUnderTest.SidecarAsync(MeshYaml.Service("reviews", "default", [(reviews, "v1")]) + MeshYaml.Client() + telemetry, "client", "default", 9080);
        await Get(proxy, "reviews", "/");
        await Get(proxy, "reviews", "/");
        await Get(proxy, "reviews", "/status/404");
        var text = await client.GetStringAsync(proxy.Admin("/stats/prometheus"));
        var all = Series(text, "istio_requests_total", "destination_workload=\"reviews-v1\"");
        Assert.Equal(3, all.Value);
        Assert.DoesNotContain("response_code", all.Labels, StringComparison.Ordinal);
        Assert.Equal(3, Series(text, "istio_request_duration_milliseconds_count", "destination_workload=\"reviews-v1\"").Value);
        Assert.Equal(3, Series(text, "istio_request_duration_milliseconds_bucket", "le=\"+Inf\"").Value);
    }

    [Fact]
    public async Task The_exposition_is_read_by_an_independent_prometheus_parser()
    {
        NodeInterop.AssertInstalled();
        await using var proxy = await ProxyUnderTest.SidecarAsync(MeshYaml.Service("reviews", "default", [(reviews, "v1")]) + MeshYaml.Client(), "client", "default", 9080);
        await Get(proxy, "reviews", "/");
        await Get(proxy, "nowhere", "/");
        var text = await client.GetStringAsync(proxy.Admin("/stats/prometheus"));
        var families = JsonDocument.Parse(await NodeInterop.RunWithInputAsync("prom-parse.js", text)).RootElement.EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f);
        var requests = families["istio_requests_total"];
        Assert.Equal("COUNTER", requests.GetProperty("type").GetString());
        var byCode = requests.GetProperty("metrics").EnumerateArray().ToDictionary(
            m => m.GetProperty("labels").GetProperty("response_code").GetString()!, m => m);
        Assert.Equal(["200", "404"], byCode.Keys.Order());
        Assert.Equal("1", byCode["200"].GetProperty("value").GetString());
        Assert.Equal("reviews-v1", byCode["200"].GetProperty("labels").GetProperty("destination_workload").GetString());
        Assert.Equal("NR", byCode["404"].GetProperty("labels").GetProperty("response_flags").GetString());
        // The parser reads every line (it throws on malformed ones); it folds labelled histograms into one entry, so
        // only their type is checked here; bucket values are checked on the text in the other test.
        foreach (var name in new[] { "istio_request_duration_milliseconds", "istio_request_bytes", "istio_response_bytes" })
        {
            Assert.Equal("HISTOGRAM", families[name].GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task Grpc_requests_report_grpc_status_and_message_counts()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(MeshYaml.Service("reviews", "default", [(reviews, "v1")], "GRPC", http2Port: true) + MeshYaml.Client(), "client", "default", 9080);
        // Two messages up (one split by chance of framing is fine: the counter follows the length prefixes), echoed back.
        var frames = new byte[] { 0, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 2, 9, 9 };
        foreach (var status in new[] { "0", "14" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, proxy.Url(9080, "/grpc"))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(frames),
            };
            request.Content.Headers.ContentType = new("application/grpc");
            request.Headers.Host = "reviews";
            request.Headers.TryAddWithoutValidation("te", "trailers");
            request.Headers.Add("x-want-status", status);
            using var response = await client.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
        }

        var text = await client.GetStringAsync(proxy.Admin("/stats/prometheus"));
        var ok = Series(text, "istio_requests_total", "grpc_response_status=\"0\"");
        Assert.Equal(1, ok.Value);
        Assert.Contains("request_protocol=\"grpc\"", ok.Labels, StringComparison.Ordinal);
        Assert.Equal(1, Series(text, "istio_requests_total", "grpc_response_status=\"14\"").Value);
        Assert.Equal(2, Series(text, "istio_request_messages_total", "grpc_response_status=\"0\"").Value);
        Assert.Equal(2, Series(text, "istio_response_messages_total", "grpc_response_status=\"0\"").Value);
    }

    [Fact]
    public async Task Request_bytes_are_the_body_received_also_without_a_content_length()
    {
        // Envoy's request size is the body bytes received: a chunked HTTP/1.1 upload and an HTTP/2 one without
        // Content-Length count what they carried, as a sized one does.
        await using var proxy = await ProxyUnderTest.SidecarAsync(MeshYaml.Service("reviews", "default", [(reviews, "v1")]) + MeshYaml.Client(), "client", "default", 9080);
        foreach (var (version, size) in new[] { (HttpVersion.Version11, 3000), (HttpVersion.Version20, 5000), (HttpVersion.Version11, 700) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, proxy.Url(9080, "/upload"))
            {
                Version = version,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                // A stream of unknown length: HTTP/1.1 sends it chunked, HTTP/2 with no content-length.
                Content = size == 700 ? new ByteArrayContent(new byte[size]) : new StreamContent(new UnsizedStream(size)),
            };
            request.Headers.Host = "reviews";
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(size == 700, request.Content.Headers.ContentLength is not null);
        }

        var text = await client.GetStringAsync(proxy.Admin("/stats/prometheus"));
        Assert.Equal(3, Series(text, "istio_request_bytes_count", "response_code=\"200\"").Value);
        Assert.Equal(8700, Series(text, "istio_request_bytes_sum", "response_code=\"200\"").Value);
    }

    /// <summary>A readable stream that does not know its length, so HttpClient cannot send a Content-Length.</summary>
    private sealed class UnsizedStream(int size) : Stream
    {
        private int left = size;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, 1000), left); // several writes, so chunked framing really has chunks
            left -= n;
            Array.Fill(buffer, (byte)'x', offset, n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(100)]
    public void The_grpc_message_counter_follows_length_prefixes_across_any_chunking(int chunk)
    {
        var stream = new byte[] { 0, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0, 1, 0, 0, 1, 7 }
            .Concat(new byte[263]).ToArray(); // three messages: 3 bytes, empty, 263 bytes
        var counter = default(Telemetry.GrpcMessageCounter);
        for (var i = 0; i < stream.Length; i += chunk)
        {
            counter.Add(stream.AsSpan(i, Math.Min(chunk, stream.Length - i)));
        }

        Assert.Equal(3, counter.Messages);
    }

    [Fact]
    public async Task Tcp_connections_and_bytes_are_counted()
    {
        using var echo = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        _ = Task.Run(async () =>
        {
            using var c = await echo.AcceptTcpClientAsync();
            var s = c.GetStream();
            var buf = new byte[64];
            int n;
            while ((n = await s.ReadAsync(buf)) > 0)
            {
                await s.WriteAsync(buf.AsMemory(0, n));
            }
        });
        var yaml = MeshYaml.Service("db", "default", [(reviews, "v1")], "TCP", 5432).Replace($"tcp: {reviews.Http1Port}", $"tcp: {((IPEndPoint)echo.LocalEndpoint).Port}", StringComparison.Ordinal) + MeshYaml.Client();
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, "client", "default", 5432);
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, proxy.Port(5432));
            var stream = tcp.GetStream();
            await stream.WriteAsync("hello"u8.ToArray());
            var back = new byte[5];
            await stream.ReadExactlyAsync(back);
        }

        await Eventually.Until(async () => (await client.GetStringAsync(proxy.Admin("/stats/prometheus"))).Contains("istio_tcp_connections_closed_total{", StringComparison.Ordinal) &&
                                           Series(await client.GetStringAsync(proxy.Admin("/stats/prometheus")), "istio_tcp_connections_closed_total", "request_protocol=\"tcp\"").Value == 1);
        var text = await client.GetStringAsync(proxy.Admin("/stats/prometheus"));
        Assert.Equal(1, Series(text, "istio_tcp_connections_opened_total", "destination_service=\"db.default.svc.cluster.local\"").Value);
        Assert.Equal(5, Series(text, "istio_tcp_received_bytes_total", "request_protocol=\"tcp\"").Value);
        Assert.Equal(5, Series(text, "istio_tcp_sent_bytes_total", "request_protocol=\"tcp\"").Value);
    }

    private async Task<HttpResponseMessage> Get(ProxyUnderTest proxy, string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, proxy.Url(9080, path));
        request.Headers.Host = host;
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>The one series of a metric whose labels contain <paramref name="having"/>.</summary>
    private static (string Labels, long Value) Series(string text, string metric, string having)
    {
        var matches = Regex.Matches(text, $"^{Regex.Escape(metric)}\\{{([^}}]*)\\}} (\\d+)$", RegexOptions.Multiline)
            .Where(m => m.Groups[1].Value.Contains(having, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count == 1, $"expected one {metric} series with {having}, found {matches.Count}:\n{text}");
        return (matches[0].Groups[1].Value, long.Parse(matches[0].Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
