using System.Net;
using System.Net.Sockets;
using Causeway.Proxy.Listeners;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.Listeners;

/// <summary>
/// A listener's address belongs to one proxy. With SO_REUSEPORT a second proxy (a stray process, a test beside the
/// demo) could bind the same address and the kernel would split new connections between the two: half the requests
/// would reach a proxy with another configuration. That was a real flake (the demo's gateway got 404s from another
/// process's sidecar on the same loopback address), so a second bind must fail.
/// </summary>
public sealed class ListenSocketTests
{
    [Fact]
    public async Task A_second_listener_on_the_same_address_and_port_is_refused()
    {
        var address = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        using var first = new SniffingListenerFactory();
        using var second = new SniffingListenerFactory();
        var listener = await first.BindAsync(new SniffingEndPoint(address, SniffedProtocol.Http1));
        try
        {
            var refused = await Assert.ThrowsAsync<SocketException>(async () => await second.BindAsync(new SniffingEndPoint(address, SniffedProtocol.Http1)));
            Assert.Equal(SocketError.AddressAlreadyInUse, refused.SocketErrorCode);
        }
        finally
        {
            await listener.UnbindAsync();
            await listener.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_port_can_be_bound_again_while_its_last_connection_is_in_time_wait()
    {
        var address = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        using (var factory = new SniffingListenerFactory())
        {
            var listener = await factory.BindAsync(new SniffingEndPoint(address, SniffedProtocol.Http1));
            using (var client = new Socket(SocketType.Stream, ProtocolType.Tcp))
            {
                await client.ConnectAsync(address);
                await client.SendAsync("GET / HTTP/1.1\r\n"u8.ToArray()); // the listener hands a connection on once it has seen its first bytes
                var accepted = await listener.AcceptAsync();
                // The server side closes first, so the server's end of the connection goes to TIME_WAIT.
                await accepted!.DisposeAsync();
                await Task.Delay(100);
            }

            await listener.UnbindAsync();
            await listener.DisposeAsync();
        }

        using var again = new SniffingListenerFactory();
        var rebound = await again.BindAsync(new SniffingEndPoint(address, SniffedProtocol.Http1));
        await rebound.UnbindAsync();
        await rebound.DisposeAsync();
    }
}
