using System.Net;
using System.Net.Sockets;
using System.Text;
using Causeway.Proxy.Tests.Support;
using Causeway.Translation.Mesh;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// The proxy's front door against careless and hostile clients, as Envoy answers them (issue 17): what the HTTP
/// connection manager refuses before routing, path normalization (Istio's pathNormalization), and failures that are
/// the client's, never blamed on the upstream. Each upstream here is a raw socket that records what reaches it.
/// </summary>
public sealed class EdgeHardeningTests : IAsyncLifetime
{
    private RawBackend backend = null!;

    public Task InitializeAsync()
    {
        backend = new RawBackend();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await backend.DisposeAsync();

    /// <summary>echo:9080 to the raw backend, retried on anything (so a wrongly retried client fault would show) and ejected after one 5xx.</summary>
    private string Mesh(string extra = "") => $$$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: echo, namespace: default}
        spec:
          hosts: [echo.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports:
          - {number: 9080, name: http, protocol: HTTP, targetPort: {{{backend.Port}}} }
          endpoints: [{address: 127.0.0.1}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: echo, namespace: default}
        spec:
          hosts: [echo]
          http:
          - match: [{uri: {prefix: /admin}}]
            directResponse: {status: 200, body: {string: "admin area"}}
          - route: [{destination: {host: echo}}]
            retries: {attempts: 3, retryOn: "5xx,reset,connect-failure,refused-stream"}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: echo, namespace: default}
        spec:
          host: echo
          trafficPolicy:
            outlierDetection: {consecutive5xxErrors: 1, consecutiveGatewayErrors: 1, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 100}
        {{{extra}}}
        """ + MeshYaml.Client();

    [Theory]
    [InlineData("GET /a\u0001b HTTP/1.1\r\nHost: echo\r\n\r\n")]
    [InlineData("GET /a\u007fb HTTP/1.1\r\nHost: echo\r\n\r\n")]
    [InlineData("GET /a\tb HTTP/1.1\r\nHost: echo\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: echo\r\nx-a: a\u0001b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: echo\r\nx-a: a\u001fb\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: echo\r\nx-a: a\u007fb\r\n\r\n")]
    public async Task Control_characters_in_the_target_or_a_header_value_get_400_dpe_and_never_reach_the_upstream(string request)
    {
        // Envoy's codecs refuse CTLs in the request target and in header values (a tab only inside values): 400
        // http1.invalid_characters.
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), request);
        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Host.Stats.Count(code: 400, flag: "DPE"));
        Assert.Empty(backend.Heads);
    }

    [Fact]
    public async Task A_request_with_more_than_100_headers_gets_431_and_never_reaches_the_upstream()
    {
        // Envoy's max_headers_count defaults to 100, as does Kestrel's MaxRequestHeaderCount (docs/proxy.md).
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        string Request(int headers) => "GET /many HTTP/1.1\r\nHost: echo\r\n" + string.Concat(Enumerable.Range(1, headers - 1).Select(i => $"x-h{i}: v\r\n")) + "\r\n";

        Assert.StartsWith("HTTP/1.1 200", await Raw(proxy.Port(9080), Request(100)), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 431", await Raw(proxy.Port(9080), Request(101)), StringComparison.Ordinal);
        Assert.Single(backend.Heads);
    }

    [Fact]
    public async Task A_tab_inside_a_header_value_is_allowed()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), "GET /t HTTP/1.1\r\nHost: echo\r\nx-a: a\tb\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("x-a: a\tb", Assert.Single(backend.Heads), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("echo:99999", false, true)]
    [InlineData("echo:0", false, true)]
    [InlineData("[::1]:70000", false, true)]
    [InlineData("echo:80a", false, false)] // Kestrel refuses these two itself, before the proxy sees them
    [InlineData("echo:", false, false)]
    [InlineData("echo:9080", true, false)]
    [InlineData("echo", true, false)]
    [InlineData("[::1]:9080", true, false)]
    public async Task A_host_port_outside_1_to_65535_gets_400_and_never_reaches_the_upstream(string host, bool valid, bool answeredByTheProxy)
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), $"GET /h HTTP/1.1\r\nHost: {host}\r\n\r\n");
        if (valid)
        {
            Assert.DoesNotMatch("^HTTP/1.1 (400|500)", response);
            return;
        }

        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        if (answeredByTheProxy)
        {
            Assert.Equal(1, proxy.Host.Stats.Count(code: 400, flag: "DPE")); // the proxy's own answer, counted and logged
        }

        Assert.Empty(backend.Heads);
    }

    [Fact]
    public async Task Connect_gets_403_and_is_never_forwarded()
    {
        // Envoy refuses CONNECT unless upgrade_configs allows it (Istio's sidecars do not): 403 upgrade_failed.
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), "CONNECT echo:9080 HTTP/1.1\r\nHost: echo:9080\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403", response, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Host.Stats.Count(code: 403));
        Assert.Empty(backend.Heads);
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("spdy/3.1")]
    [InlineData("websocket2")]
    public async Task Upgrades_other_than_websocket_get_403_upgrade_failed(string token)
    {
        // Istio configures only websocket in the connection manager's upgrade_configs; Envoy answers any other
        // upgrade with 403 (response code details upgrade_failed).
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), $"GET /u HTTP/1.1\r\nHost: echo\r\nConnection: Upgrade\r\nUpgrade: {token}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403", response, StringComparison.Ordinal);
        Assert.Empty(backend.Heads);
    }

    [Fact]
    public async Task An_h2c_upgrade_offer_is_dropped_and_the_request_forwarded_as_http_1_1()
    {
        // Envoy does not take h2c upgrades: it strips the offer (Upgrade, HTTP2-Settings) and answers over HTTP/1.1.
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080),
            "GET /h2c HTTP/1.1\r\nHost: echo\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        var head = Assert.Single(backend.Heads);
        Assert.StartsWith("GET /h2c HTTP/1.1", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Upgrade", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("HTTP2-Settings", head, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    // Istio's default pathNormalization BASE: RFC 3986 (dot segments removed, %2E counting as a dot, unreserved
    // characters decoded, other percent-encodings upper-cased); the normalized path is what goes upstream.
    [InlineData("/a/../b", "/b")]
    [InlineData("/a/./b/.", "/a/b/")]
    [InlineData("/../../b", "/b")]
    [InlineData("/a/%2e%2E/b", "/b")]
    [InlineData("/%7Euser/%61pi", "/~user/api")]
    [InlineData("/a%2fb?x=%2e", "/a%2Fb?x=%2e")]
    [InlineData("/a//b", "/a//b")]
    public async Task Paths_are_normalized_as_istio_base_before_routing_and_forwarding(string sent, string forwarded)
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), $"GET {sent} HTTP/1.1\r\nHost: echo\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.StartsWith($"GET {forwarded} HTTP/1.1", Assert.Single(backend.Heads), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/public/../admin")]
    [InlineData("/%61dmin")]
    [InlineData("/public/%2e%2e/admin/x")]
    public async Task A_route_cannot_be_slipped_past_with_dot_segments_or_encodings(string sent)
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), $"GET {sent} HTTP/1.1\r\nHost: echo\r\n\r\n", untilBody: "admin area");
        Assert.Contains("admin area", response, StringComparison.Ordinal); // the /admin route answered
        Assert.Empty(backend.Heads);
    }

    [Theory]
    [InlineData("MERGE_SLASHES", "//a///b/../c", "/a/c")]
    [InlineData("DECODE_AND_MERGE_SLASHES", "/a%2F%2fb%5Cc", "/a/b\\c")]
    [InlineData("NONE", "/a/../b//c", "/a/../b//c")]
    public async Task The_mesh_config_chooses_the_normalization(string mode, string sent, string forwarded)
    {
        var settings = MeshSettings.Parse($"pathNormalization:\n  normalization: {mode}\n");
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), settings, "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), $"GET {sent} HTTP/1.1\r\nHost: echo\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.StartsWith($"GET {forwarded} HTTP/1.1", Assert.Single(backend.Heads), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_chunked_body_is_the_clients_fault_400_dpe_never_retried_never_an_outlier_strike()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), "POST /upload HTTP/1.1\r\nHost: echo\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZZ\r\nxx\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Host.Stats.Count(code: 400, flag: "DPE"));
        Assert.True(backend.Heads.Count <= 1, $"retried {backend.Heads.Count - 1} times"); // the one attempt that started; no retry

        // The host was not blamed: not ejected (one strike would have ejected it for 60 s), and it still serves.
        var next = await Raw(proxy.Port(9080), "GET /after HTTP/1.1\r\nHost: echo\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", next, StringComparison.Ordinal);
        using var http = new HttpClient();
        Assert.Contains("health_flags::healthy", await http.GetStringAsync(proxy.Admin("/clusters")), StringComparison.Ordinal);
        Assert.Equal(0, proxy.Host.Stats.Count(flag: "UC"));
    }

    [Fact]
    public async Task A_too_slow_upload_is_the_clients_fault_408_si_never_retried_never_an_outlier_strike()
    {
        // Kestrel's minimum request body data rate (240 bytes/s after a 5 s grace) ends an upload that trickles:
        // Envoy's stream idle timeout answers 408 with SI.
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), "client", "default", 9080);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, proxy.Port(9080));
        var stream = tcp.GetStream();
        await stream.WriteAsync("POST /slow HTTP/1.1\r\nHost: echo\r\nContent-Length: 100000\r\n\r\n"u8.ToArray());
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var reader = Task.Run(async () =>
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                answer.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }
        });
        try
        {
            while (!reader.IsCompleted && !timeout.IsCancellationRequested)
            {
                await stream.WriteAsync("x"u8.ToArray(), timeout.Token); // one byte a second
                await Task.WhenAny(reader, Task.Delay(1000));
            }
        }
        catch (IOException)
        {
            // the proxy closed the connection after answering
        }

        await Eventually.Until(() => proxy.Host.Stats.Count(code: 408, flag: "SI") == 1, () => answer.ToString());
        Assert.True(backend.Heads.Count <= 1);
        Assert.Equal(0, proxy.Host.Stats.Count(flag: "UC"));
        var next = await Raw(proxy.Port(9080), "GET /after HTTP/1.1\r\nHost: echo\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", next, StringComparison.Ordinal);
    }

    /// <summary>Sends raw bytes and returns what comes back: the head (and, with <paramref name="untilBody"/>, until that text), or whatever arrived in 3 s.</summary>
    private static async Task<string> Raw(int port, string request, string? untilBody = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        var received = new StringBuilder();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Append(Encoding.Latin1.GetString(buffer, 0, n));
                var text = received.ToString();
                if (untilBody is null ? text.Contains("\r\n\r\n", StringComparison.Ordinal) : text.Contains(untilBody, StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }

        return received.ToString();
    }
}
