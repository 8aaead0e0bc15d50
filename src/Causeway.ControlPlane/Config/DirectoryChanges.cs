namespace Causeway.ControlPlane.Config;

/// <summary>
/// Wakes a config reader when something in a directory changes (file events), or after the poll interval anyway:
/// some file systems send no events, so the reader always compares the <see cref="ConfigFingerprint"/> too.
/// </summary>
public sealed class DirectoryChanges : IDisposable
{
    private readonly SemaphoreSlim signal = new(0);
    private readonly FileSystemWatcher? watcher;

    public DirectoryChanges(string directory, Action<string>? report = null)
    {
        try
        {
            watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = true, EnableRaisingEvents = true };
            watcher.Changed += (_, _) => signal.Release();
            watcher.Created += (_, _) => signal.Release();
            watcher.Deleted += (_, _) => signal.Release();
            watcher.Renamed += (_, _) => signal.Release();
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            report?.Invoke("file watching unavailable, polling only: " + ex.Message);
        }
    }

    /// <summary>Returns on a change or when <paramref name="poll"/> has passed; throws when cancelled.</summary>
    public Task WaitAsync(TimeSpan poll, CancellationToken cancel) => signal.WaitAsync(poll, cancel);

    /// <summary>Wakes a waiter now (when stopping).</summary>
    public void Wake() => signal.Release();

    public void Dispose()
    {
        watcher?.Dispose();
        signal.Dispose();
    }
}
