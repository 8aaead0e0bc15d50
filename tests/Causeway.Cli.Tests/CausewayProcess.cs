using System.Diagnostics;

namespace Causeway.Cli.Tests;

/// <summary>Runs the real <c>causeway</c> binary as a child process, as a user (or a CI script) would.</summary>
internal static class CausewayProcess
{
    public static string RepoRoot { get; } = FindRoot();

    public static (int ExitCode, string Stdout, string Stderr) Run(string arguments, string? stdin = null)
    {
        var psi = Binaries.StartInfo(Binaries.Causeway, Split(arguments));
        psi.RedirectStandardInput = stdin is not null;
        using var process = Process.Start(psi)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("causeway did not finish in 60 s: " + arguments);
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts a long-running process and returns once a line of its output contains <paramref name="ready"/> (its output is drained from then on).</summary>
    public static async Task<Process> StartUntilAsync(ProcessStartInfo psi, string ready) => (await StartUntilLineAsync(psi, ready)).Process;

    /// <summary>As <see cref="StartUntilAsync"/>, also returning the line that said it was ready.</summary>
    public static async Task<(Process Process, string Line)> StartUntilLineAsync(ProcessStartInfo psi, string ready)
    {
        var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidOperationException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} exited: {await process.StandardError.ReadToEndAsync()}");
            }

            if (line.Contains(ready, StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(); // keep draining
                return (process, line);
            }
        }
    }

    /// <summary>A port free on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Arguments split on spaces, with double quotes grouping, as a shell would for these simple lines.</summary>
    private static List<string> Split(string arguments)
    {
        var args = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in arguments)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any || current.Length > 0)
                {
                    args.Add(current.ToString());
                }

                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
            }
        }

        if (any || current.Length > 0)
        {
            args.Add(current.ToString());
        }

        return args;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Causeway.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }
}
