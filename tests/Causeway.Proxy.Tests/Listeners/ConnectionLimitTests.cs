using System.Net;
using System.Net.Sockets;
using System.Text;
using Causeway.Proxy.Listeners;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.Listeners;

/// <summary>
/// Downstream connection limits, as Envoy's listener connection_limit and its overload manager's
/// global_downstream_max_connections: a connection past a limit is closed at once and counted
/// (downstream_cx_overflow, downstream_global_cx_overflow); the connections already open are served as before, and a
/// place freed by a closed connection is taken again.
/// </summary>
public sealed class ConnectionLimitTests : IAsyncLifetime
{
    private Backend backend = null!;

    public async Task InitializeAsync() => backend = await Backend.StartAsync("b1");

    public async Task DisposeAsync() => await backend.DisposeAsync();

    private string Mesh() =>
        MeshYaml.Service("web", "default", [(backend, "v1")]) + "---\n" +
        MeshYaml.Service("api", "default", [(backend, "v1")], port: 9090).TrimStart() + MeshYaml.Client();

    [Fact]
    public void The_default_overall_limit_leaves_descriptors_for_upstreams_and_the_process()
    {
        Assert.Equal(448, ConnectionLimits.DefaultOverall(1024));
        Assert.Equal(16, ConnectionLimits.DefaultOverall(64));
        Assert.Equal(524_224, ConnectionLimits.DefaultOverall(1_048_576));
        Assert.NotNull(ConnectionLimits.FileDescriptorLimit());
    }

    [Fact]
    public async Task A_listener_past_its_limit_closes_new_connections_and_serves_the_ones_it_holds()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), new ConnectionLimits(overall: 100, perListener: 3), "client", "default", 9080, 9090);
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                held.Add(await Served(proxy.Port(9080), "web"));
            }

            // A fourth is accepted and closed at once.
            Assert.True(await ClosedAtOnce(proxy.Port(9080)));
            Assert.True(await ClosedAtOnce(proxy.Port(9080)));
            var counters = proxy.Host.Stats.Listeners.Single(l => l.Name.Contains("9080", StringComparison.Ordinal));
            Assert.Equal(2, counters.ConnectionsOverflowed);
            Assert.Equal(0, counters.ConnectionsOverflowedGlobally);

            // The held ones still work, and the other listener is not affected.
            foreach (var c in held)
            {
                Assert.StartsWith("HTTP/1.1 200", await Get(c, "web"), StringComparison.Ordinal);
            }

            using (await Served(proxy.Port(9090), "api"))
            {
            }

            // Places freed by closed connections are taken again, many times over.
            foreach (var c in held)
            {
                c.Dispose();
            }

            held.Clear();
            for (var round = 0; round < 10; round++)
            {
                await Eventually.Until(async () =>
                {
                    try
                    {
                        using var c = await Served(proxy.Port(9080), "web");
                        return true;
                    }
                    catch (IOException)
                    {
                        return false;
                    }
                });
            }
        }
        finally
        {
            foreach (var c in held)
            {
                c.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_overall_limit_counts_every_listener()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(), new ConnectionLimits(overall: 2, perListener: 10), "client", "default", 9080, 9090);
        using var a = await Served(proxy.Port(9080), "web");
        using var b = await Served(proxy.Port(9090), "api");
        Assert.True(await ClosedAtOnce(proxy.Port(9090)));
        Assert.Equal(1, proxy.Host.Stats.Listeners.Single(l => l.Name.Contains("9090", StringComparison.Ordinal)).ConnectionsOverflowedGlobally);
        using var http = new HttpClient();
        Assert.Contains("downstream_global_cx_overflow: 1", await http.GetStringAsync(proxy.Admin("/stats")), StringComparison.Ordinal);
    }

    /// <summary>A connection that got a 200 for one request and stays open.</summary>
    private static async Task<TcpClient> Served(int port, string host)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var answer = await Get(tcp, host);
        if (!answer.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
        {
            tcp.Dispose();
            throw new IOException("not served: " + answer);
        }

        return tcp;
    }

    private static async Task<string> Get(TcpClient tcp, string host)
    {
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /c HTTP/1.1\r\nHost: {host}\r\n\r\n"));
        var buffer = new byte[65536];
        var text = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    break;
                }

                text.Append(Encoding.Latin1.GetString(buffer, 0, n));
                var all = text.ToString();
                var end = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0)
                {
                    continue;
                }

                var length = System.Text.RegularExpressions.Regex.Match(all[..end], "Content-Length: (\\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
                if (length.Success ? all.Length >= end + 4 + int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : all.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal))
                {
                    break; // the whole response: the next one on this connection starts clean
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
        }

        return text.ToString();
    }

    /// <summary>Whether the proxy closed a new connection without reading a request (EOF or reset within 5 s).</summary>
    private static async Task<bool> ClosedAtOnce(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            return await tcp.GetStream().ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true; // reset
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
