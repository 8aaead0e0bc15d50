using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Causeway.Proxy.Tests.Support;

/// <summary>
/// An upstream that sees bytes, not parsed requests: it records the head of every HTTP/1.1 request exactly as it
/// arrived (so a test can tell what the proxy forwarded, control characters and all) and answers each with
/// <c>200 ok</c>. Kestrel as a backend would reject or rewrite what these tests need to see.
/// </summary>
internal sealed class RawBackend : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly List<string> heads = [];
    private int connections;

    public RawBackend()
    {
        listener = new TcpListener(IPAddress.Loopback, FreePort.Next());
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Request heads received (request line and headers, without the blank line), in order.</summary>
    public IReadOnlyList<string> Heads
    {
        get
        {
            lock (heads)
            {
                return [.. heads];
            }
        }
    }

    public int Connections => Volatile.Read(ref connections);

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var pending = new StringBuilder();
            var buffer = new byte[16384];
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer, stop.Token)) > 0)
                {
                    pending.Append(Encoding.Latin1.GetString(buffer, 0, n));
                    int end;
                    while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                    {
                        var head = pending.ToString(0, end);
                        pending.Remove(0, end + 4);
                        lock (heads)
                        {
                            heads.Add(head);
                        }

                        if (head.StartsWith("GET ", StringComparison.Ordinal) || head.StartsWith("HEAD ", StringComparison.Ordinal))
                        {
                            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), stop.Token);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
