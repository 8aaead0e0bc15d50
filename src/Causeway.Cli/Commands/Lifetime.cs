namespace Causeway.Cli.Commands;

/// <summary>What every long-running command shares: timestamped status lines, and running until Ctrl-C (or SIGTERM).</summary>
internal static class Lifetime
{
    public static void Print(string message) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    public static async Task WaitForStopAsync(CancellationToken cancel, string stopping = "stopping")
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine(stopping);
        }
    }
}
