using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Causeway.Cli.Tests;

/// <summary>
/// causeway-proxy under a small file descriptor limit (prlimit), flooded with connections: it must neither spin a
/// core retrying accept on EMFILE nor die, must keep serving the connections it holds, and must serve again once the
/// flood is gone. By default its connection limit, taken from the descriptor limit, closes the flood's connections
/// at once so the descriptors never run out.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class FileDescriptorTests : IAsyncLifetime
{
    private const int DescriptorLimit = 256;
    private readonly TcpListener backend = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly DirectoryInfo config = Directory.CreateTempSubdirectory("causeway-fd-");
    private Process? controlPlane;
    private int pushPort;

    public async Task InitializeAsync()
    {
        backend.Start();
        _ = ServeAsync();
        var port = ((IPEndPoint)backend.LocalEndpoint).Port;
        await File.WriteAllTextAsync(Path.Combine(config.FullName, "mesh.yaml"), $$$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: web, namespace: default}
            spec:
              hosts: [web.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports:
              - {number: 9080, name: http, protocol: HTTP, targetPort: {{{port}}} }
              endpoints: [{address: 127.0.0.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: client, namespace: default}
            spec: {address: 127.0.0.1, labels: {app: client}}
            """);
        pushPort = CausewayProcess.FreePort();
        controlPlane = await CausewayProcess.StartUntilAsync(Binaries.StartInfo(Binaries.Causeway,
            ["control-plane", "--config", config.FullName, "--push-address", $"127.0.0.1:{pushPort}", "--status-address", $"127.0.0.1:{CausewayProcess.FreePort()}"]), "proxies connect to");
    }

    public Task DisposeAsync()
    {
        stop.Cancel();
        backend.Stop();
        controlPlane?.Kill(entireProcessTree: true);
        controlPlane?.Dispose();
        config.Delete(true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Out_of_descriptors_the_proxy_backs_off_keeps_serving_and_recovers()
    {
        var listen = CausewayProcess.FreePort();
        // No connection limit of its own, so the flood runs the process out of descriptors (EMFILE on accept).
        using var proxy = await StartProxyAsync(listen, 0, "--max-connections", "100000");
        using var early = await ConnectedAndServedAsync(listen);
        var flood = await FloodAsync(listen, DescriptorLimit + 100);
        try
        {
            // Before the backoff, accept failed and was retried at once: a whole core (about 300 ticks in 3 s).
            var ticks = CpuTicks(proxy);
            await Task.Delay(3000);
            Assert.True(CpuTicks(proxy) - ticks < 150, $"the proxy used {CpuTicks(proxy) - ticks} ticks of CPU in 3 s while out of descriptors");
            Assert.False(proxy.HasExited);
            Assert.StartsWith("HTTP/1.1 200", await GetAsync(early), StringComparison.Ordinal); // held connections are served
        }
        finally
        {
            foreach (var c in flood)
            {
                c.Dispose();
            }
        }

        // Once descriptors are free again, new connections are served.
        string? answer = null;
        for (var i = 0; i < 50 && answer?.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) != true; i++)
        {
            await Task.Delay(200);
            try
            {
                using var again = new TcpClient();
                await again.ConnectAsync(IPAddress.Loopback, listen);
                answer = await GetAsync(again);
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                answer = null;
            }
        }

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.False(proxy.HasExited);
    }

    [Fact]
    public async Task By_default_the_connection_limit_comes_from_the_descriptor_limit_and_the_flood_is_closed_at_once()
    {
        var listen = CausewayProcess.FreePort();
        var admin = CausewayProcess.FreePort();
        using var proxy = await StartProxyAsync(listen, admin);
        using var early = await ConnectedAndServedAsync(listen);
        var flood = await FloodAsync(listen, DescriptorLimit + 100);
        try
        {
            await Task.Delay(500);
            Assert.StartsWith("HTTP/1.1 200", await GetAsync(early), StringComparison.Ordinal);
            using var http = new HttpClient();
            var stats = await http.GetStringAsync($"http://127.0.0.1:{admin}/stats");
            // (256 - 128) / 2 = 64 connections at most: the flood's others were counted and closed.
            var overflow = long.Parse(stats.Split('\n').Single(l => l.Contains(".downstream_global_cx_overflow: ", StringComparison.Ordinal)).Split(": ")[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(overflow >= 200, stats);
        }
        finally
        {
            foreach (var c in flood)
            {
                c.Dispose();
            }
        }

        Assert.False(proxy.HasExited);
    }

    private async Task<Process> StartProxyAsync(int listen, int admin, params string[] extra)
    {
        var proxy = Binaries.StartInfo(Binaries.Proxy,
            ["--control-plane", $"http://127.0.0.1:{pushPort}", "--workload", "client.default", "--admin-port", admin.ToString(System.Globalization.CultureInfo.InvariantCulture), "--port-map", $"9080={listen}", .. extra]);
        var limited = new ProcessStartInfo("prlimit") { WorkingDirectory = proxy.WorkingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        limited.ArgumentList.Add($"--nofile={DescriptorLimit}:{DescriptorLimit}");
        limited.ArgumentList.Add(proxy.FileName);
        foreach (var a in proxy.ArgumentList)
        {
            limited.ArgumentList.Add(a);
        }

        return await CausewayProcess.StartUntilAsync(limited, "applied snapshot");
    }

    private static async Task<TcpClient> ConnectedAndServedAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        Assert.StartsWith("HTTP/1.1 200", await GetAsync(tcp), StringComparison.Ordinal);
        return tcp;
    }

    private static async Task<List<TcpClient>> FloodAsync(int port, int count)
    {
        var flood = new List<TcpClient>();
        for (var i = 0; i < count; i++)
        {
            var c = new TcpClient();
            try
            {
                await c.ConnectAsync(IPAddress.Loopback, port); // completes in the kernel's backlog even when the proxy cannot accept
                flood.Add(c);
            }
            catch (SocketException)
            {
                c.Dispose();
                break;
            }
        }

        return flood;
    }

    private static async Task<string> GetAsync(TcpClient tcp)
    {
        var stream = tcp.GetStream();
        await stream.WriteAsync("GET /fd HTTP/1.1\r\nHost: web\r\n\r\n"u8.ToArray());
        var buffer = new byte[4096];
        var text = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (!text.ToString().EndsWith("\r\n\r\nok", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    break;
                }

                text.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
        }

        return text.ToString();
    }

    /// <summary>An HTTP/1.1 backend answering every request with 200 "ok", keeping connections open.</summary>
    private async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await backend.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var stream = client.GetStream();
                    var buffer = new byte[8192];
                    var pending = "";
                    try
                    {
                        int n;
                        while ((n = await stream.ReadAsync(buffer, stop.Token)) > 0)
                        {
                            pending += Encoding.Latin1.GetString(buffer, 0, n);
                            while (pending.Contains("\r\n\r\n", StringComparison.Ordinal))
                            {
                                pending = pending[(pending.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
                                await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), stop.Token);
                            }
                        }
                    }
                    catch (Exception ex) when (ex is IOException or OperationCanceledException)
                    {
                    }
                }
            });
        }
    }

    private static long CpuTicks(Process process)
    {
        // prlimit execs the proxy, so the pid is the proxy's own.
        var fields = File.ReadAllText($"/proc/{process.Id}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
    }


}
