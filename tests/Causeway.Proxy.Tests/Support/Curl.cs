using System.Diagnostics;

namespace Causeway.Proxy.Tests.Support;

/// <summary>curl as an independent client (OpenSSL, nghttp2): it checks certificate names and chains itself.</summary>
internal static class Curl
{
    /// <summary>Runs curl and returns its trimmed output; a non-zero exit fails the test with curl's error.</summary>
    public static async Task<string> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"curl exited {process.ExitCode}: {await error}");
        return (await output).Trim();
    }
}
