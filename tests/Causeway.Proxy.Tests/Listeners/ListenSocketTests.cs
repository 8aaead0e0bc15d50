using System.Net;
using System.Net.Sockets;
using Causeway.Protocol.V1;
using Causeway.Proxy.Listeners;
using Causeway.Proxy.Telemetry;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.Listeners;

/// <summary>
/// A listener's address belongs to one proxy. With SO_REUSEPORT a second proxy (a stray process, a test beside the
/// demo) could bind the same address and the kernel would split new connections between the two: half the requests
/// would reach a proxy with another configuration. That was a real flake (the demo's gateway got 404s from another
/// process's sidecar on the same loopback address), so a second bind must fail. And the socket behind a listener
/// hands each connection to the shared Kestrel server by kind, sniffing h2c from HTTP/1.1 without consuming a byte.
/// </summary>
public sealed class ListenSocketTests
{
    private static readonly Listener Http = new() { Name = "test", Protocol = ListenerProtocol.Http };

    [Fact]
    public async Task A_second_listener_on_the_same_address_and_port_is_refused()
    {
        var address = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        using var transport = new ListenerTransport();
        await using var first = new ListenerSocket(Http, address, new ListenerCounters("test"), transport);
        var refused = Assert.Throws<SocketException>(() => new ListenerSocket(Http, address, new ListenerCounters("test"), transport));
        Assert.Equal(SocketError.AddressAlreadyInUse, refused.SocketErrorCode);
    }

    [Fact]
    public async Task A_port_can_be_bound_again_while_its_last_connection_is_in_time_wait()
    {
        var address = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        using (var transport = new ListenerTransport())
        {
            var kestrel = await transport.BindAsync(new KindEndPoint(ConnectionKind.Http1));
            await using (var socket = new ListenerSocket(Http, address, new ListenerCounters("test"), transport))
            {
                using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await client.ConnectAsync(address);
                await client.SendAsync("GET / HTTP/1.1\r\n"u8.ToArray()); // the listener hands a connection on once it has seen its first bytes
                var accepted = await kestrel.AcceptAsync();
                // The server side closes first, so the server's end of the connection goes to TIME_WAIT.
                await accepted!.DisposeAsync();
                await Task.Delay(100);
            }
        }

        using var again = new ListenerTransport();
        await using var rebound = new ListenerSocket(Http, address, new ListenerCounters("test"), again);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", false)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", true)]
    public async Task Each_connection_goes_to_the_endpoint_its_first_bytes_call_for_with_nothing_consumed(string first, bool http2)
    {
        var expected = http2 ? ConnectionKind.Http2 : ConnectionKind.Http1;
        var address = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        using var transport = new ListenerTransport();
        var endpoint = await transport.BindAsync(new KindEndPoint(expected));
        await using var socket = new ListenerSocket(Http, address, new ListenerCounters("test"), transport);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(address);
        await client.SendAsync(System.Text.Encoding.ASCII.GetBytes(first));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var accepted = await endpoint.AcceptAsync(timeout.Token);
        var read = await accepted!.Transport.Input.ReadAtLeastAsync(first.Length, timeout.Token);
        Assert.Equal(first, System.Text.Encoding.ASCII.GetString(System.Buffers.BuffersExtensions.ToArray(read.Buffer.Slice(0, first.Length))));
        Assert.Equal("test", accepted.Features.Get<ListenerFeature>()!.Name);
        await accepted.DisposeAsync();
    }

    [Fact]
    public async Task A_removed_listener_stops_accepting_and_cuts_its_connections_after_the_drain_time()
    {
        var address = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        var tcp = new Listener { Name = "tcp", Protocol = ListenerProtocol.Tcp };
        using var transport = new ListenerTransport();
        var endpoint = await transport.BindAsync(new KindEndPoint(ConnectionKind.Tcp));
        var socket = new ListenerSocket(tcp, address, new ListenerCounters("tcp"), transport);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(address);
        var accepted = await endpoint.AcceptAsync();
        Assert.Equal(1, socket.Connections);

        await socket.DisposeAsync();

        // The relayed connection is ended (a TCP listener's connections are not drained: Envoy closes them too), and
        // the client sees it end.
        await Assert.ThrowsAsync<Microsoft.AspNetCore.Connections.ConnectionAbortedException>(async () => await accepted!.Transport.Input.ReadAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            Assert.Equal(0, await client.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token));
        }
        catch (SocketException ex)
        {
            Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
        }

        await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var late = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await late.ConnectAsync(address);
        });
    }
}
