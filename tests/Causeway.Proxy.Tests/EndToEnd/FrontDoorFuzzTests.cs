using System.Net;
using System.Net.Sockets;
using System.Text;
using Causeway.Proxy.Tests.Support;
using CsCheck;
using Xunit.Abstractions;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// A fuzz run over the HTTP/1.1 front door (issue 17): well-formed requests (bodies by length and chunked, pipelining,
/// upgrades, absolute and asterisk forms, HTTP/1.0, the h2c preface) mutated byte by byte and token by token, each
/// sent on a real socket to a real sidecar in front of a real backend. Whatever arrives, the proxy must answer with a
/// well-formed status line that is not 500, or close the connection; and afterwards it must still serve, with every
/// downstream connection closed. CAUSEWAY_FUZZ_ITERATIONS runs it longer (the figures in issue 17's note).
/// </summary>
public sealed class FrontDoorFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Seeds =
    [
        "GET /productpage?u=1 HTTP/1.1\r\nHost: web\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n",
        "POST /reviews HTTP/1.1\r\nHost: web:9080\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /upload HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: t\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: web\r\n\r\nGET /b HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n",
        "GET /chat HTTP/1.1\r\nHost: web\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: web\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
        "GET http://web/abs?x=%41%2e HTTP/1.1\r\nHost: web\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: web\r\n\r\n",
        "GET /old HTTP/1.0\r\nHost: web\r\n\r\n",
        "PUT /x HTTP/1.1\r\nHost: web\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
        "DELETE /public/../admin/%2e%2e/x HTTP/1.1\r\nHost: web\r\nCookie: a=b; c=d\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0",
    ];

    /// <summary>What a mutation inserts: the bytes that have broken HTTP/1.1 parsers before.</summary>
    private static readonly string[] Tokens =
    [
        "\r\n", "\n", "\r", "\0", " ", "\t", ":", ";", ",", "%", "%00", "%2f", "/../", "\x01", "\x7f", "\x80", "\xff",
        "Transfer-Encoding: chunked\r\n", "Content-Length: 5\r\n", "Content-Length: -1\r\n", "Content-Length: 99999999999999999999\r\n",
        "Transfer-Encoding: gzip, chunked\r\n", "Host: other\r\n", "Host: web:99999\r\n", "Connection: close\r\n",
        "Upgrade: foo\r\n", "ffffffffffffffff\r\n", "0\r\n\r\n", "HTTP/1.1", "CONNECT web:443 HTTP/1.1\r\n", "x-h:" + new string('a', 9000) + "\r\n",
    ];

    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("CAUSEWAY_FUZZ_ITERATIONS"), out var n) ? n : 400;

    private Backend web = null!;

    public async Task InitializeAsync() => web = await Backend.StartAsync("web");

    public async Task DisposeAsync() => await web.DisposeAsync();

    private static Gen<byte[]> Requests =>
        from seed in Gen.Int[0, Seeds.Length - 1].Select(i => Seeds[i])
        from mutations in Mutation.Array[1, 4]
        select mutations.Aggregate(Encoding.Latin1.GetBytes(seed), (bytes, mutate) => mutate(bytes));

    private static Gen<Func<byte[], byte[]>> Mutation => Gen.OneOf(
        from at in Gen.Double.Unit
        from value in Gen.Byte
        select (Func<byte[], byte[]>)(b => b.Length == 0 ? b : Set(b, (int)(at * b.Length), value)),
        from at in Gen.Double.Unit
        from token in Gen.Int[0, Tokens.Length - 1].Select(i => Tokens[i])
        select (Func<byte[], byte[]>)(b => Insert(b, (int)(at * (b.Length + 1)), Encoding.Latin1.GetBytes(token))),
        from at in Gen.Double.Unit
        from length in Gen.Int[1, 16]
        select (Func<byte[], byte[]>)(b => Delete(b, (int)(at * b.Length), length)),
        from at in Gen.Double.Unit
        from length in Gen.Int[1, 32]
        select (Func<byte[], byte[]>)(b => Duplicate(b, (int)(at * b.Length), length)),
        from at in Gen.Double.Unit
        select (Func<byte[], byte[]>)(b => b[..(int)(at * b.Length)]));

    [Fact]
    public async Task Mutated_requests_never_get_a_500_or_a_malformed_answer_and_the_proxy_serves_on()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(MeshYaml.Service("web", "default", [(web, "v1")]) + MeshYaml.Client(), "client", "default", 9080);
        var port = proxy.Port(9080);
        var statuses = new Dictionary<string, int>(StringComparer.Ordinal);
        await Requests.SampleAsync(async request =>
        {
            var answer = await SendAsync(port, request);
            var status = answer.Length == 0 ? "closed" : answer[..Math.Min(12, answer.Length)];
            lock (statuses)
            {
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
            }

            // What starts as the HTTP/2 preface may be taken as h2c: the answer is then a frame, SETTINGS or GOAWAY.
            var h2 = request.AsSpan().StartsWith("PRI * HTTP/2.0"u8);
            Assert.True(answer.Length == 0 || WellFormedStatusLine(answer) || (h2 && answer.Length >= 9 && answer[3] is '\x04' or '\x07'), $"malformed answer {Escape(answer)} to {Escape(Encoding.Latin1.GetString(request))}");
            Assert.False(answer.StartsWith("HTTP/1.1 500", StringComparison.Ordinal) || answer.StartsWith("HTTP/1.0 500", StringComparison.Ordinal),
                $"500 to {Escape(Encoding.Latin1.GetString(request))}");
        }, iter: Iterations, threads: 16, seed: Environment.GetEnvironmentVariable("CAUSEWAY_FUZZ_SEED"));

        // Still serving, and nothing left open: every fuzzed connection was closed by one side or the other.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var ok = new HttpRequestMessage(HttpMethod.Get, proxy.Url(9080, "/productpage")) { Headers = { Host = "web" } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(ok)).StatusCode);
        http.Dispose();
        var listener = proxy.Host.Stats.Listener(proxy.Snapshot.Listeners.Single(l => l.Port == 9080).Name);
        var summary = string.Join(", ", statuses.OrderByDescending(s => s.Value).Select(s => $"{s.Key.Trim()} x{s.Value}"));
        await Eventually.Until(() => listener.ConnectionsActive == 0, () => $"{listener.ConnectionsActive} connections still open; answers: {summary}");
        output.WriteLine($"{Iterations} mutated requests; answers: {summary}");
    }

    /// <summary>
    /// Sends the bytes and reads what comes back (the first 64 characters): a complete request is answered at once;
    /// one still waiting for bytes after half a second gets a half-close (which, as in Envoy, ends it as the client's
    /// disconnect) and half a second more.
    /// </summary>
    private static async Task<string> SendAsync(int port, byte[] request)
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            await tcp.SendAsync(request, SocketFlags.None);
            var halfClosed = false;
            while (received.Length < 64)
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                int read;
                try
                {
                    read = await tcp.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                }
                catch (OperationCanceledException) when (!halfClosed && received.Length == 0)
                {
                    tcp.Shutdown(SocketShutdown.Send);
                    halfClosed = true;
                    continue;
                }

                if (read == 0)
                {
                    break;
                }

                received.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            // A reset or a silent server is an answer too: what matters is what the proxy does next.
        }

        return received.ToString();
    }

    private static bool WellFormedStatusLine(string answer) =>
        answer.Length >= 12 && (answer.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || answer.StartsWith("HTTP/1.0 ", StringComparison.Ordinal))
            && char.IsAsciiDigit(answer[9]) && char.IsAsciiDigit(answer[10]) && char.IsAsciiDigit(answer[11]);

    private static string Escape(string text) => string.Concat(text.Take(300).Select(c => c is >= ' ' and < '\x7f' ? c.ToString() : $"\\x{(int)c:x2}"));

    private static byte[] Set(byte[] bytes, int at, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[Math.Min(at, copy.Length - 1)] = value;
        return copy;
    }

    private static byte[] Insert(byte[] bytes, int at, byte[] token) => [.. bytes[..at], .. token, .. bytes[at..]];

    private static byte[] Delete(byte[] bytes, int at, int length) => bytes.Length == 0 ? bytes : [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + length)..]];

    private static byte[] Duplicate(byte[] bytes, int at, int length)
    {
        var end = Math.Min(bytes.Length, at + length);
        return [.. bytes[..end], .. bytes[at..end], .. bytes[end..]];
    }
}
