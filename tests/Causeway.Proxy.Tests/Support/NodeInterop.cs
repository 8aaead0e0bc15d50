using System.Diagnostics;

namespace Causeway.Proxy.Tests.Support;

/// <summary>Runs the independent Node.js peers in tests/interop (installed by scripts/test with npm).</summary>
internal static class NodeInterop
{
    public static string Directory { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "interop"));

    public static void AssertInstalled() =>
        Assert.True(System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@grpc", "grpc-js")),
            $"the Node interop peers are not installed: run `npm install` in {Directory} (scripts/test does it)");

    /// <summary>Starts a long-running script; returns once it prints a line starting with <paramref name="ready"/>.</summary>
    public static async Task<Process> StartAsync(string script, string ready, params string[] args)
    {
        var process = Start(script, args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidOperationException($"{script} exited: {await process.StandardError.ReadToEndAsync()}");
            }

            if (line.StartsWith(ready, StringComparison.Ordinal))
            {
                return process;
            }
        }
    }

    /// <summary>Runs a script to completion and returns its standard output.</summary>
    public static async Task<string> RunAsync(string script, params string[] args)
    {
        using var process = Start(script, args);
        var output = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return await output;
    }

    /// <summary>Runs a script with <paramref name="input"/> on its standard input; returns its standard output, failing on a non-zero exit.</summary>
    public static async Task<string> RunWithInputAsync(string script, string input)
    {
        using var process = Start(script, [], stdin: true);
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{script} failed: {await errors}");
        return await output;
    }

    private static Process Start(string script, string[] args, bool stdin = false)
    {
        var psi = new ProcessStartInfo("node") { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi)!;
    }
}
