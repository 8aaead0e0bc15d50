using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Causeway.Bench.ControlPlane;

// Control-plane scale benchmark (not a test): a generated mesh served by a real `causeway control-plane` process to
// many simulated proxies over the push protocol. Reports the time from a config change to each proxy's ACK (sent as
// soon as it has decoded the snapshot; p50/p99/last), the control plane's CPU for the sync and each change, and its
// memory.
//   dotnet run -c Release --project bench/Causeway.Bench.ControlPlane -- [namespaces] [servicesPerNamespace] [endpointsPerService] [proxies]
// Defaults: 10 x 100 services (1,000), 10 endpoints each (10,000), 2,000 proxies.
var namespaces = Arg(0, 10);
var services = Arg(1, 100);
var endpoints = Arg(2, 10);
var proxies = Arg(3, 2000);
var dir = Directory.CreateTempSubdirectory("causeway-scale-");
MeshGenerator.Write(dir.FullName, namespaces, services, endpoints);
Console.WriteLine($"mesh: {namespaces * services} services, {namespaces * services * endpoints} endpoints, {proxies} proxies; config in {dir.FullName}");

var push = FreePort();
var status = FreePort();
// The repository's ./causeway script builds the CLI in Release when needed and execs it, so its pid is the control plane's.
var cli = Path.Combine(Root(), "causeway");
using var cp = Process.Start(new ProcessStartInfo(cli, ["control-plane", "--config", dir.FullName, "--push-address", $"127.0.0.1:{push}", "--status-address", $"127.0.0.1:{status}"])
{
    RedirectStandardOutput = true,
    RedirectStandardError = true,
})!;
_ = cp.StandardError.ReadToEndAsync();
while (await cp.StandardOutput.ReadLineAsync() is { } line && !line.Contains("connect to", StringComparison.Ordinal))
{
}

_ = Drain(cp);
Console.WriteLine($"control plane up; RSS {Rss(cp.Id)} MB");

using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true });
using var stop = new CancellationTokenSource();
var simulated = Enumerable.Range(0, proxies).Select(i =>
{
    var n = i % namespaces;
    var s = i / namespaces % services;
    var e = i / (namespaces * services) % endpoints;
    return new SimulatedProxy($"svc-{s}-{e}", MeshGenerator.Ns(n), invoker, new Uri($"http://127.0.0.1:{push}"));
}).ToList();
var start = Stopwatch.GetTimestamp();
var cpuAtStart = Cpu(cp);
var running = simulated.Select(p => Task.Run(() => p.RunAsync(stop.Token))).ToList();
await WaitAsync(() => simulated.All(p => p.Version.Length > 0), TimeSpan.FromMinutes(5));
Report("initial sync of every proxy", simulated, start);
Console.WriteLine($"  control plane CPU for the initial sync: {(Cpu(cp) - cpuAtStart).TotalSeconds:F1} s");
Console.WriteLine($"control plane RSS after initial sync: {Rss(cp.Id)} MB; {await Memory(status)}; {simulated.Average(p => p.Bytes) / 1024:F0} KB per snapshot on average");

for (var round = 2; round <= 4; round++)
{
    // A change in one namespace: its VirtualServices change, so its proxies (1/namespaces of all) get new snapshots.
    var before = simulated.ToDictionary(p => p, p => p.Version);
    var changeAt = Stopwatch.GetTimestamp();
    var cpuBefore = Cpu(cp);
    await File.WriteAllTextAsync(Path.Combine(dir.FullName, "ns-0-routes.yaml"), MeshGenerator.Routes("ns-0", services, round));
    var affected = simulated.Where((_, i) => i % namespaces == 0).ToList();
    await WaitAsync(() => affected.All(p => p.Version != before[p]), TimeSpan.FromMinutes(2));
    Report($"change {round - 1}: one namespace's VirtualServices ({affected.Count} proxies affected)", affected, changeAt);
    var others = simulated.Count(p => !affected.Contains(p) && p.Version != before[p]);
    Console.WriteLine($"  proxies outside the namespace that got a push: {others}; control plane CPU for the change: {(Cpu(cp) - cpuBefore).TotalMilliseconds:F0} ms");
}

Console.WriteLine($"control plane RSS at the end: {Rss(cp.Id)} MB; {await Memory(status)}");
await stop.CancelAsync();
cp.Kill(entireProcessTree: true);
dir.Delete(true);
return;

int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;

static void Report(string what, IReadOnlyList<SimulatedProxy> proxies, long from)
{
    var ms = proxies.Select(p => Stopwatch.GetElapsedTime(from, p.ReceivedAt).TotalMilliseconds).Order().ToList();
    double P(double q) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(q * ms.Count) - 1)];
    Console.WriteLine($"{what}: p50 {P(0.5):F0} ms, p99 {P(0.99):F0} ms, last {ms[^1]:F0} ms (n={ms.Count})");
}

static async Task WaitAsync(Func<bool> done, TimeSpan limit)
{
    var until = DateTime.UtcNow + limit;
    while (!done())
    {
        if (DateTime.UtcNow > until)
        {
            throw new TimeoutException("proxies did not converge in " + limit);
        }

        await Task.Delay(10);
    }
}

static TimeSpan Cpu(Process p)
{
    p.Refresh();
    return p.TotalProcessorTime; // user + system, from /proc
}

static long Rss(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
    }

    return -1;
}

static async Task Drain(Process p)
{
    while (await p.StandardOutput.ReadLineAsync() is not null)
    {
    }
}

static async Task<string> Memory(int statusPort)
{
    using var http = new HttpClient();
    var memory = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{statusPort}/status")).RootElement.GetProperty("memory");
    return $"GC heap {memory.GetProperty("gcHeapBytes").GetInt64() >> 20} MB, committed {memory.GetProperty("gcCommittedBytes").GetInt64() >> 20} MB";
}

static string Root()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "Causeway.slnx")))
        {
            return d.FullName;
        }
    }

    throw new InvalidOperationException("repository root not found");
}

static int FreePort()
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)socket.LocalEndPoint!).Port;
}
