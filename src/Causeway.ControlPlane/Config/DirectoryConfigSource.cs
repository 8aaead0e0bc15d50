using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Validation;
using Causeway.Translation.Mesh;

namespace Causeway.ControlPlane.Config;

/// <summary>
/// The control plane's default config source: a directory of Istio YAML, watched (file events, and a poll as a
/// safety net). A change is loaded once the files have been quiet for the debounce period, or at the latest after
/// the maximum delay while they keep changing (Istio's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX). Each load
/// validates every resource; an invalid one is reported and its last valid version stays in force, as a rejected
/// <c>kubectl apply</c> leaves the stored object alone: when a file has errors, every resource that file held at the
/// last good load and no longer yields validly is kept as it was. A resource removed from a clean file is removed.
/// </summary>
public sealed class DirectoryConfigSource : IConfigSource
{
    private readonly string directory;
    private readonly TimeSpan quiet;
    private readonly TimeSpan maxDelay;
    private readonly MeshSettings settings;
    private readonly DirectoryChanges changes;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private readonly JwksFetcher jwks = new();
    private long number;

    /// <summary>Loads the directory now and watches it; <paramref name="report"/> hears when file watching is unavailable (polling only).</summary>
    public DirectoryConfigSource(string directory, TimeSpan quiet, TimeSpan maxDelay, MeshSettings? settings = null, Action<string>? report = null)
    {
        this.directory = Path.GetFullPath(directory);
        this.quiet = quiet;
        this.maxDelay = maxDelay;
        this.settings = settings ?? MeshSettings.Default;
        Current = Load();
        changes = new DirectoryChanges(this.directory, report);
        loop = RunAsync();
    }

    public ConfigGeneration Current { get; private set; }

    public string Directory => directory;

    public string Location => directory;

    /// <summary>Raised after each load that changed something, with the new generation.</summary>
    public event Action<ConfigGeneration>? Changed;

    private IReadOnlyList<LoadedResource> lastGood = [];

    /// <summary>Each file's last load, reused while its size and write time stay the same: a change re-reads one file, not all.</summary>
    private readonly Dictionary<string, (string Stamp, CheckResult Result)> files = new(StringComparer.Ordinal);

    private ConfigGeneration Load()
    {
        var onDisk = ConfigLoader.EnumerateConfigFiles(directory).ToList();
        foreach (var gone in files.Keys.Except(onDisk, StringComparer.Ordinal).ToList())
        {
            files.Remove(gone);
        }

        var valid = new List<LoadedResource>();
        var rejected = new List<Diagnostic>();
        foreach (var file in onDisk)
        {
            var stamp = ConfigFingerprint.Stamp(file);
            if (!files.TryGetValue(file, out var cached) || cached.Stamp != stamp)
            {
                cached = (stamp, ResourceValidation.LoadAndValidate([file]));
                files[file] = cached;
            }

            valid.AddRange(cached.Result.Valid);
            rejected.AddRange(cached.Result.Diagnostics.Where(d => d.Severity == Severity.Error));
        }

        var filesWithErrors = rejected.Select(d => d.Location?.File).Where(f => f is not null).ToHashSet(StringComparer.Ordinal);
        var present = valid.Select(r => r.Ref).ToHashSet();
        foreach (var old in lastGood)
        {
            if (!present.Contains(old.Ref) && filesWithErrors.Contains(old.File))
            {
                valid.Add(old); // its new version was rejected: the last valid one stays in force
                present.Add(old.Ref);
            }
        }

        lastGood = valid;
        var mesh = new MeshState(valid, settings: settings) { Jwks = jwks.For(valid) };
        return new ConfigGeneration(Interlocked.Increment(ref number), mesh, rejected, DateTimeOffset.UtcNow);
    }

    private async Task RunAsync()
    {
        var fingerprint = Fingerprint();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await changes.WaitAsync(TimeSpan.FromSeconds(1), stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var now = Fingerprint();
            if (now == fingerprint)
            {
                // a jwksUri failed or is due for its refresh: a new generation only when the keys changed
                if (jwks.RefreshIfChanged(Current.Mesh.Resources, Current.Mesh.Jwks) is not null)
                {
                    Current = Load();
                    Changed?.Invoke(Current);
                }

                continue;
            }

            try
            {
                now = await ConfigDebounce.SettleAsync(Fingerprint, now, quiet, maxDelay, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            fingerprint = now;
            try
            {
                Current = Load();
                Changed?.Invoke(Current);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The directory is mid-change or unreadable: keep the current generation, try at the next change.
                fingerprint = "";
            }
        }
    }

    private string Fingerprint() => ConfigFingerprint.Of(directory);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
        changes.Dispose();
        jwks.Dispose();
    }
}
