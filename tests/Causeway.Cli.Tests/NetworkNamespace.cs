using System.Diagnostics;
using System.Globalization;

namespace Causeway.Cli.Tests;

/// <summary>
/// A Linux network namespace for tests that need their own addresses and iptables rules (transparent capture):
/// created with <c>ip netns add</c>, loopback up, deleted on dispose with every process started in it.
/// Needs root, iproute2 and iptables (.ci/run installs them).
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private static int counter;
    private readonly List<Process> processes = [];

    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static async Task<NetworkNamespace> CreateAsync(params string[] loopbackAddresses)
    {
        Assert.True(Environment.IsPrivilegedProcess, "network namespace tests need root (ip netns, iptables)");
        var name = string.Create(CultureInfo.InvariantCulture, $"cw-{Environment.ProcessId}-{Interlocked.Increment(ref counter)}");
        await RunAsync("ip", "netns", "add", name);
        var ns = new NetworkNamespace(name);
        await ns.ExecAsync("ip", "link", "set", "lo", "up");
        foreach (var address in loopbackAddresses)
        {
            await ns.ExecAsync("ip", "addr", "add", address + "/32", "dev", "lo");
        }

        return ns;
    }

    /// <summary>
    /// Joins this namespace to a bridge in <paramref name="node"/> (a node's pod network) with a veth pair: the pod
    /// end gets <paramref name="cidr"/> and the default route, so every address (a Service's VIP included) is
    /// routable and iptables in the pod decides where it really goes.
    /// </summary>
    public async Task AttachAsync(NetworkNamespace node, string cidr)
    {
        var id = Interlocked.Increment(ref counter).ToString(CultureInfo.InvariantCulture);
        await node.TryExecAsync("ip", "link", "add", "br0", "type", "bridge");
        await node.ExecAsync("ip", "link", "set", "br0", "up");
        await RunAsync("ip", "link", "add", $"cwp{id}", "netns", Name, "type", "veth", "peer", "name", $"cwn{id}", "netns", node.Name);
        await node.ExecAsync("ip", "link", "set", $"cwn{id}", "master", "br0", "up");
        await ExecAsync("ip", "addr", "add", cidr, "dev", $"cwp{id}");
        await ExecAsync("ip", "link", "set", $"cwp{id}", "up");
        await ExecAsync("ip", "route", "add", "default", "dev", $"cwp{id}");
    }

    /// <summary>
    /// A point-to-point link from the host's namespace into this one (host end <paramref name="hostAddress"/>, this
    /// end <paramref name="address"/>, a /30): how a pod here reaches a process the test runs on the host.
    /// </summary>
    public async Task LinkToHostAsync(string hostAddress, string address)
    {
        var id = Interlocked.Increment(ref counter).ToString(CultureInfo.InvariantCulture);
        await RunAsync("ip", "link", "add", $"cwh{id}", "type", "veth", "peer", "name", $"cwq{id}", "netns", Name);
        await RunAsync("ip", "addr", "add", hostAddress + "/30", "dev", $"cwh{id}");
        await RunAsync("ip", "link", "set", $"cwh{id}", "up");
        await ExecAsync("ip", "addr", "add", address + "/30", "dev", $"cwq{id}");
        await ExecAsync("ip", "link", "set", $"cwq{id}", "up");
    }

    /// <summary>Runs a command inside the namespace to completion; returns its standard output, failing on a non-zero exit.</summary>
    public Task<string> ExecAsync(params string[] command) => RunAsync("ip", ["netns", "exec", Name, .. command]);

    /// <summary>Runs a command inside the namespace to completion and returns its exit code and output, whatever they are.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> TryExecAsync(params string[] command)
    {
        using var process = Process.Start(Info("ip", ["netns", "exec", Name, .. command]))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running command in the namespace; returns once a line of its output contains <paramref name="ready"/>.</summary>
    public async Task<Process> StartAsync(string ready, params string[] command)
    {
        var process = Process.Start(Info("ip", ["netns", "exec", Name, .. command]))!;
        processes.Add(process);
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<string>();
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidOperationException($"{string.Join(' ', command)} exited before '{ready}':\n{string.Join('\n', seen)}\n{await errors}");
            }

            seen.Add(line);
            if (line.Contains(ready, StringComparison.Ordinal))
            {
                _ = DrainAsync(process);
                return process;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            process.Dispose();
        }

        await RunAsync("ip", "netns", "del", Name);
    }

    private static async Task DrainAsync(Process process)
    {
        try
        {
            while (await process.StandardOutput.ReadLineAsync() is not null)
            {
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException)
        {
            // the process was stopped
        }
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(Info(file, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    private static ProcessStartInfo Info(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }
}
