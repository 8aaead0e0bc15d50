using System.Diagnostics;

namespace Causeway.Cli.Tests;

/// <summary>
/// The binaries under test. scripts/test publishes them with NativeAOT and names their directory in CAUSEWAY_BIN, so
/// the tests run what users run; without it (a bare <c>dotnet test</c>) the JIT builds beside the tests stand in.
/// </summary>
internal static class Binaries
{
    public const string Causeway = "causeway";

    public const string Proxy = "causeway-proxy";

    /// <summary>Where the published binaries are, or null when the tests run the JIT builds.</summary>
    public static string? Directory { get; } = Environment.GetEnvironmentVariable("CAUSEWAY_BIN") is { Length: > 0 } dir ? Path.GetFullPath(dir) : null;

    /// <summary>How to start one of them with these arguments; output redirected, no shell.</summary>
    public static ProcessStartInfo StartInfo(string binary, IEnumerable<string> args, string? workingDirectory = null)
    {
        ProcessStartInfo psi;
        if (Directory is not null)
        {
            var path = Path.Combine(Directory, binary);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"CAUSEWAY_BIN={Directory} has no {binary}: run scripts/publish");
            }

            psi = new ProcessStartInfo(path);
        }
        else
        {
            psi = new ProcessStartInfo("dotnet");
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, binary + ".dll"));
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.WorkingDirectory = workingDirectory ?? CausewayProcess.RepoRoot;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        return psi;
    }

    /// <summary>The command line (file and arguments) for a process started by something else, such as <c>ip netns exec</c>.</summary>
    public static string[] CommandLine(string binary, params string[] args)
    {
        var psi = StartInfo(binary, args);
        return [psi.FileName, .. psi.ArgumentList];
    }
}
