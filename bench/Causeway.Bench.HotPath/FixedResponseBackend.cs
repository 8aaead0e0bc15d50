using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Causeway.Bench.HotPath;

/// <summary>
/// A backend that allocates nothing per request: each keep-alive connection reads a request head (GETs only, no
/// body) and writes one precomputed HTTP/1.1 response. With it, process-wide allocation counts only the client and
/// the forwarder under test, not a backend's parsing of whatever headers the forwarder added.
/// </summary>
internal sealed class FixedResponseBackend : IDisposable
{
    private readonly Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly byte[] response;

    public FixedResponseBackend(byte[] body)
    {
        response = [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nContent-Type: text/plain\r\n\r\n"), .. body];
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(512);
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    public void Dispose() => listener.Dispose();

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            connection.NoDelay = true;
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        var buffer = new byte[16 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await connection.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                filled += read;
                int end;
                while ((end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) >= 0)
                {
                    var consumed = end + 4;
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                    await connection.SendAsync(response.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // the peer went away
        }
        finally
        {
            connection.Dispose();
        }
    }
}
