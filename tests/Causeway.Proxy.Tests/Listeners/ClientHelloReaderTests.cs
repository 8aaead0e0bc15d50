using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using Causeway.Proxy.Listeners;
using Causeway.Proxy.Routing;

namespace Causeway.Proxy.Tests.Listeners;

/// <summary>
/// The SNI of a real ClientHello (written by .NET's SslStream, that is OpenSSL here) read without consuming it, as
/// Envoy's tls_inspector does; a hello split over several records or arriving a few bytes at a time; and the server
/// name choice (exact, longest wildcard, "*") Envoy's filter chain match makes.
/// </summary>
public class ClientHelloReaderTests
{
    [Fact]
    public async Task Reads_the_server_name_of_a_real_client_hello_lower_cased()
    {
        var hello = await ClientHelloAsync("Nginx.Example.COM");
        Assert.Equal(ClientHelloReader.Outcome.Hello, ClientHelloReader.Parse(new ReadOnlySequence<byte>(hello), out var name));
        Assert.Equal("nginx.example.com", name);
    }

    [Fact]
    public async Task A_hello_without_sni_is_a_hello_with_no_name()
    {
        var hello = await ClientHelloAsync("127.0.0.1"); // clients send no SNI for an IP address (RFC 6066)
        Assert.Equal(ClientHelloReader.Outcome.Hello, ClientHelloReader.Parse(new ReadOnlySequence<byte>(hello), out var name));
        Assert.Null(name);
    }

    [Fact]
    public async Task Every_prefix_of_a_hello_needs_more_and_the_whole_one_is_read()
    {
        var hello = await ClientHelloAsync("a.example.com");
        for (var n = 0; n < hello.Length; n++)
        {
            Assert.Equal(ClientHelloReader.Outcome.NeedMore, ClientHelloReader.Parse(new ReadOnlySequence<byte>(hello, 0, n), out _));
        }

        Assert.Equal(ClientHelloReader.Outcome.Hello, ClientHelloReader.Parse(new ReadOnlySequence<byte>(hello), out var name));
        Assert.Equal("a.example.com", name);
    }

    [Fact]
    public async Task A_hello_fragmented_over_several_records_is_reassembled()
    {
        // TLS may split one handshake message over records (RFC 8446 5.1): cut the hello into records of 50 bytes.
        var hello = await ClientHelloAsync("fragmented.example.com");
        var body = hello.AsSpan(5).ToArray();
        var records = new List<byte>();
        for (var i = 0; i < body.Length; i += 50)
        {
            var chunk = body.AsSpan(i, Math.Min(50, body.Length - i));
            records.AddRange([0x16, 0x03, 0x01, (byte)(chunk.Length >> 8), (byte)chunk.Length]);
            records.AddRange(chunk.ToArray());
        }

        Assert.Equal(ClientHelloReader.Outcome.Hello, ClientHelloReader.Parse(new ReadOnlySequence<byte>(records.ToArray()), out var name));
        Assert.Equal("fragmented.example.com", name);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001\u0000\u0004\u0002\u0000\u0000\u0000")] // a handshake record that is not a ClientHello
    [InlineData("\u0016\u0002\u0000\u0000\u0004")] // SSL 2 version bytes
    [InlineData("\u0017\u0003\u0003\u0000\u0001x")] // application data first
    public void Bytes_that_are_not_a_client_hello_are_told_apart_at_once(string bytes)
    {
        Assert.Equal(ClientHelloReader.Outcome.NotTls, ClientHelloReader.Parse(new ReadOnlySequence<byte>(bytes.Select(c => (byte)c).ToArray()), out _));
    }

    [Fact]
    public async Task A_hello_whose_lengths_lie_is_not_tls_and_never_throws()
    {
        var hello = await ClientHelloAsync("a.example.com");
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var mutated = (byte[])hello.Clone();
            mutated[random.Next(5, mutated.Length)] = (byte)random.Next(256);
            var outcome = ClientHelloReader.Parse(new ReadOnlySequence<byte>(mutated), out var name);
            Assert.True(outcome != ClientHelloReader.Outcome.Hello || name is null || name.All(c => c is > ' ' and < (char)0x7f), name);
        }
    }

    [Fact]
    public async Task Peeking_leaves_every_byte_in_the_pipe_for_the_relay()
    {
        var hello = await ClientHelloAsync("peek.example.com");
        var pipe = new Pipe();
        var reading = ClientHelloReader.PeekServerNameAsync(pipe.Reader, CancellationToken.None);
        for (var i = 0; i < hello.Length; i += 7)
        {
            await pipe.Writer.WriteAsync(hello.AsMemory(i, Math.Min(7, hello.Length - i)));
        }

        Assert.Equal("peek.example.com", await reading);
        var all = await pipe.Reader.ReadAtLeastAsync(hello.Length);
        Assert.Equal(hello, all.Buffer.ToArray());
    }

    [Fact]
    public void Server_names_pick_exact_then_the_longest_wildcard_then_star_case_insensitively()
    {
        var table = new ServerNameTable<string>([
            (["*.example.com"], "wild"),
            (["api.example.com", "*.eu.example.com"], "api-or-eu"),
            (["*"], "any"),
            (["api.example.com"], "second claim loses"),
        ]);
        Assert.Equal("api-or-eu", table.Select("API.example.com"));
        Assert.Equal("api-or-eu", table.Select("x.eu.example.com"));
        Assert.Equal("wild", table.Select("www.example.com"));
        Assert.Equal("any", table.Select("example.com")); // "*.example.com" needs a label before the suffix
        Assert.Equal("any", table.Select(null));
        Assert.Null(new ServerNameTable<string>([(["a.example.com"], "a")]).Select("b.example.com"));
    }

    /// <summary>The first flight of a real TLS client for <paramref name="targetHost"/>.</summary>
    private static async Task<byte[]> ClientHelloAsync(string targetHost)
    {
        var capture = new FirstFlight();
        await using var tls = new SslStream(capture);
        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
        }));
        return capture.Written.ToArray();
    }

    /// <summary>Keeps what a TLS client writes; answers its first read with end of stream.</summary>
    private sealed class FirstFlight : Stream
    {
        public MemoryStream Written { get; } = new();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => 0;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);
    }
}
