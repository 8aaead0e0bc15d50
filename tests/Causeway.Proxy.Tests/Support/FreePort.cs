using System.Net;
using System.Net.Sockets;

namespace Causeway.Proxy.Tests.Support;

/// <summary>A currently free TCP port on 127.0.0.1 (bound and released; good enough for tests).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
