using System.Net.Sockets;

namespace Causeway.Proxy.Listeners;

/// <summary>Socket options for the proxy's own listening sockets.</summary>
public static class ListenSocketOptions
{
    private const int SolSocket = 1; // Linux SOL_SOCKET
    private const int SoReuseAddr = 2; // Linux SO_REUSEADDR

    /// <summary>
    /// Lets a restarted proxy bind its port while connections of the previous one sit in TIME_WAIT (SO_REUSEADDR),
    /// as Kestrel does. Not <see cref="SocketOptionName.ReuseAddress"/>: on Linux .NET maps that to SO_REUSEPORT too,
    /// and then a second process binding the same address and port succeeds and the kernel splits new connections
    /// between the two, so a stray proxy silently answers half the traffic. A second bind must fail instead.
    /// </summary>
    public static void AllowRebindDuringTimeWait(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        }
    }
}
