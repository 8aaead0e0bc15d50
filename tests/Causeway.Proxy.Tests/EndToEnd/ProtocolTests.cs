using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>HTTP/2, gRPC, WebSocket, TCP and hostile input through the real proxy.</summary>
public sealed class ProtocolTests : IAsyncLifetime
{
    private Backend backend = null!;

    public async Task InitializeAsync() => backend = await Backend.StartAsync("b1");

    public async Task DisposeAsync() => await backend.DisposeAsync();

    private string Service(string protocol = "HTTP", bool http2Port = false) =>
        MeshYaml.Service("web", "default", [(backend, "v1")], protocol, 9080, http2Port) + MeshYaml.Client();

    [Fact]
    public async Task H2c_by_prior_knowledge_and_HTTP_1_1_share_one_port()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Service(), "client", "default", 9080);
        using var h2 = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, proxy.Url(9080, "/h2")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Host = "web";
        using var response = await h2.SendAsync(request);
        Assert.Equal((HttpStatusCode.OK, new Version(2, 0)), (response.StatusCode, response.Version));
        using var h1 = new HttpRequestMessage(HttpMethod.Get, proxy.Url(9080, "/h1"));
        h1.Headers.Host = "web";
        using var r1 = await h2.SendAsync(h1);
        Assert.Equal((HttpStatusCode.OK, new Version(1, 1)), (r1.StatusCode, r1.Version));
    }

    [Fact]
    public async Task Grpc_over_h2c_passes_messages_and_trailers_with_grpc_status_through()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Service("GRPC", http2Port: true), "client", "default", 9080);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        foreach (var status in new[] { "0", "14" })
        {
            var frame = new byte[] { 0, 0, 0, 0, 3, 1, 2, 3 }; // uncompressed, length 3
            using var request = new HttpRequestMessage(HttpMethod.Post, proxy.Url(9080, "/grpc"))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(frame),
            };
            request.Content.Headers.ContentType = new("application/grpc");
            request.Headers.Host = "web";
            request.Headers.TryAddWithoutValidation("te", "trailers");
            request.Headers.Add("x-want-status", status);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(frame, body);
            Assert.Equal(status, response.TrailingHeaders.GetValues("grpc-status").Single());
            Assert.Equal("from b1", response.TrailingHeaders.GetValues("grpc-message").Single());
        }
    }

    [Fact]
    public async Task WebSocket_upgrade_is_relayed_both_ways()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Service(), "client", "default", 9080);
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Host", "web");
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Port(9080)}/ws"), CancellationToken.None);
        var buffer = new byte[1024];
        foreach (var text in new[] { "hello", "again" })
        {
            await ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
            var r = await ws.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal("b1:" + text, Encoding.UTF8.GetString(buffer, 0, r.Count));
        }

        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task Opaque_tcp_is_relayed_to_the_service()
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        _ = Task.Run(async () =>
        {
            using var c = await echo.AcceptTcpClientAsync();
            var s = c.GetStream();
            var buf = new byte[1024];
            int n;
            while ((n = await s.ReadAsync(buf)) > 0)
            {
                await s.WriteAsync(buf.AsMemory(0, n));
            }
        });
        var yaml = MeshYaml.Service("db", "default", [(backend, "v1")], "TCP", 5432).Replace($"tcp: {backend.Http1Port}", $"tcp: {echoPort}", StringComparison.Ordinal) + MeshYaml.Client();
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, "client", "default", 5432);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, proxy.Port(5432));
        var stream = tcp.GetStream();
        await stream.WriteAsync("ping over tcp"u8.ToArray());
        var reply = new byte[13];
        await stream.ReadExactlyAsync(reply);
        Assert.Equal("ping over tcp", Encoding.ASCII.GetString(reply));
    }

    [Fact]
    public async Task Http_1_0_to_a_port_declared_http_is_426()
    {
        // routing.go "http10 to http": HTTP/1.1 426 Upgrade Required
        await using var proxy = await ProxyUnderTest.SidecarAsync(Service(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), "GET / HTTP/1.0\r\nHost: web\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 426", response, StringComparison.Ordinal);
        Assert.Equal(0, backend.Requests);
    }

    [Theory]
    [InlineData("GARBAGE\r\n\r\n", "400")]
    [InlineData("GET /\u00ff\u00fe HTTP/1.1\r\nHost: web\r\n\r\n", "400")]
    [InlineData("GET / HTTP/1.1\r\nHost: web\r\nBad Header: x\r\n\r\n", "400")]
    public async Task Malformed_and_smuggling_requests_get_400_and_never_reach_the_backend(string request, string status)
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Service(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), request);
        Assert.StartsWith("HTTP/1.1 " + status, response, StringComparison.Ordinal);
        Assert.Equal(0, backend.Requests);
    }

    /// <summary>
    /// Content-Length and Transfer-Encoding together (RFC 9112 section 6.3: a likely smuggling attempt): Envoy answers
    /// 400 (http1.content_length_and_chunked_not_allowed) and closes; nothing reaches the upstream, neither the
    /// request nor the one hidden behind its body.
    /// </summary>
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: web\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: web\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nX: y\r\n\r\n")]
    public async Task Request_smuggling_gets_400_and_nothing_reaches_the_backend(string request)
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Service(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), request);
        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        Assert.Contains("Connection: close", response, StringComparison.OrdinalIgnoreCase);
        await Task.Delay(200);
        Assert.Equal(0, backend.Requests);
    }

    [Fact]
    public async Task Oversized_headers_get_431()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Service(), "client", "default", 9080);
        var response = await Raw(proxy.Port(9080), $"GET / HTTP/1.1\r\nHost: web\r\nx-big: {new string('a', 40_000)}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431", response, StringComparison.Ordinal);
        Assert.Equal(0, backend.Requests);
    }

    [Fact]
    public async Task The_proxy_survives_hostile_input_and_keeps_serving()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Service(), "client", "default", 9080);
        var random = new Random(3);
        for (var i = 0; i < 30; i++)
        {
            var bytes = new byte[random.Next(1, 2048)];
            random.NextBytes(bytes);
            await Raw(proxy.Port(9080), Encoding.Latin1.GetString(bytes));
        }

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, proxy.Url(9080));
        request.Headers.Host = "web";
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
    }

    /// <summary>Sends raw bytes and returns what comes back (until the server closes or 2 s pass).</summary>
    private static async Task<string> Raw(int port, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        }
        catch (IOException)
        {
            return "";
        }

        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, n);
                if (Encoding.Latin1.GetString(received.ToArray()).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }

        return Encoding.Latin1.GetString(received.ToArray());
    }
}
