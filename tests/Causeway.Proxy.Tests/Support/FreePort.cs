using System.Net;
using System.Net.Sockets;

namespace Causeway.Proxy.Tests.Support;

/// <summary>
/// A free TCP port on 127.0.0.1 for a test listener, taken below the kernel's ephemeral range (32768 and up): a
/// port picked by binding port 0 and releasing it can be handed out again at once as the source port of an
/// outgoing connection (every proxied request makes one), and then the listener that wanted it collides. Each
/// process starts at its own offset and counts up, checking that the port binds. It skips the fixed ports of
/// `causeway demo` (control plane 15010/15014, applications 19081-19086), which the CLI tests run at the same time
/// in another process: a port handed out here and bound a moment later would stop the demo from starting.
/// </summary>
internal static class FreePort
{
    private const int First = 10_000;
    private const int Span = 20_000;
    private static int next = Environment.ProcessId * 397 % Span;

    public static int Next()
    {
        for (var attempt = 0; attempt < Span; attempt++)
        {
            var port = First + (Interlocked.Increment(ref next) % Span);
            if (port is >= 15000 and < 15100 or >= 19000 and < 19100)
            {
                continue;
            }

            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // in use: try the next one
            }
        }

        throw new InvalidOperationException("no free port between 10000 and 30000");
    }
}
