using System.Text.Json.Nodes;
using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Validation;
using Causeway.ControlPlane.Config;
using Causeway.Translation.Mesh;

namespace Causeway.Kubernetes;

/// <summary>
/// The control plane's config from the Kubernetes API: one list-and-watch per kind (<see cref="WatchedKind.Mesh"/>)
/// into <see cref="ClusterObjects"/>, and a generation built from them after each burst of changes (the same
/// debounce as the directory: quiet period, maximum delay). Each object goes through the same loader and
/// validation as a file, named by its API path, and is validated again only when its resourceVersion changes. An
/// object whose new version is invalid (applied without the validating webhook) keeps its last valid version in
/// force, as a rejected file does. The first generation waits for every kind's first list, as istiod waits for its
/// caches to sync: a proxy never gets services without their endpoints.
/// </summary>
public sealed class KubernetesConfigSource : IConfigSource
{
    private readonly KubernetesConnection api;
    private readonly MeshSettings settings;
    private readonly TimeSpan quiet;
    private readonly TimeSpan maxDelay;
    private readonly ClusterObjects objects = new();
    private readonly CancellationTokenSource stop = new();
    private readonly JwksFetcher jwks = new();
    private readonly Dictionary<string, (string Version, CheckResult Result)> checkedObjects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LoadedResource> lastValid = new(StringComparer.Ordinal);
    private readonly List<Task> loops = [];
    private long number;

    private KubernetesConfigSource(KubernetesConnection api, MeshSettings settings, TimeSpan quiet, TimeSpan maxDelay, WatchTiming timing, Action<string> report)
    {
        this.api = api;
        this.settings = settings;
        this.quiet = quiet;
        this.maxDelay = maxDelay;
        Watches = [.. WatchedKind.Mesh.Select(k => new ResourceWatch(api, k, objects, report, timing))];
        Current = new ConfigGeneration(0, new MeshState([], settings: settings), [], DateTimeOffset.UtcNow);
    }

    public ConfigGeneration Current { get; private set; }

    public string Location => api.Server.ToString();

    public IReadOnlyList<ResourceWatch> Watches { get; }

    public ClusterObjects Objects => objects;

    public event Action<ConfigGeneration>? Changed;

    /// <summary>What validation said of the object at an API path in the last load (errors and warnings), for its status.</summary>
    public IReadOnlyList<Diagnostic> DiagnosticsOf(string path)
    {
        lock (checkedObjects)
        {
            return checkedObjects.TryGetValue(path, out var check) ? [.. check.Result.Diagnostics.Where(d => d.Severity is Severity.Error or Severity.Warning)] : [];
        }
    }

    /// <summary>Starts every watch and returns once each kind has been listed and the first generation is built.</summary>
    public static async Task<KubernetesConfigSource> StartAsync(
        KubernetesConnection api, MeshSettings settings, TimeSpan quiet, TimeSpan maxDelay, Action<string> report, WatchTiming? timing = null)
    {
        var source = new KubernetesConfigSource(api, settings, quiet, maxDelay, timing ?? new WatchTiming(), report);
        foreach (var watch in source.Watches)
        {
            source.loops.Add(Task.Run(() => watch.RunAsync(source.stop.Token)));
        }

        try
        {
            await Task.WhenAll(source.Watches.Select(w => w.Synced)).WaitAsync(source.stop.Token).ConfigureAwait(false);
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var seen = source.objects.Version;
        source.Current = source.Load();
        source.loops.Add(source.RunAsync(seen));
        return source;
    }

    private ConfigGeneration Load()
    {
        lock (checkedObjects)
        {
            return LoadLocked();
        }
    }

    private ConfigGeneration LoadLocked()
    {
        var valid = new List<LoadedResource>();
        var rejected = new List<Diagnostic>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in objects.Snapshot())
        {
            present.Add(entry.Path);
            if (!checkedObjects.TryGetValue(entry.Path, out var check) || check.Version != entry.ResourceVersion)
            {
                check = (entry.ResourceVersion, ResourceValidation.LoadAndValidateText(ApiObjectText.For(entry.Object), entry.Path));
                checkedObjects[entry.Path] = check;
            }

            var errors = check.Result.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
            if (errors.Count == 0 && check.Result.Valid.Count > 0)
            {
                lastValid[entry.Path] = check.Result.Valid[0];
                valid.AddRange(check.Result.Valid);
            }
            else
            {
                rejected.AddRange(errors);
                if (lastValid.TryGetValue(entry.Path, out var old))
                {
                    valid.Add(old); // its new version was rejected: the last valid one stays in force
                }
            }
        }

        foreach (var gone in checkedObjects.Keys.Where(k => !present.Contains(k)).ToList())
        {
            checkedObjects.Remove(gone);
            lastValid.Remove(gone);
        }

        var mesh = new MeshState(valid, settings: settings) { Jwks = jwks.For(valid) };
        return new ConfigGeneration(Interlocked.Increment(ref number), mesh, rejected, DateTimeOffset.UtcNow);
    }

    private async Task RunAsync(long seen)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                try
                {
                    await objects.WaitForChangeAsync(seen, stop.Token).WaitAsync(TimeSpan.FromSeconds(1), stop.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Quiet for a second: a jwksUri that failed or is due is fetched again, as the directory source does.
                    if (jwks.RefreshIfChanged(Current.Mesh.Resources, Current.Mesh.Jwks) is not null)
                    {
                        Current = Load();
                        Changed?.Invoke(Current);
                    }

                    continue;
                }

                await ConfigDebounce.SettleAsync(() => objects.Version, objects.Version, quiet, maxDelay, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            seen = objects.Version;
            Current = Load();
            Changed?.Invoke(Current);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
        jwks.Dispose();
    }
}

/// <summary>
/// An API object as the loader reads it: the fields the server adds for its own bookkeeping (managedFields, owner
/// references, finalizers, kubectl's last-applied copy) left out, so an Istio kind checked strictly is judged only
/// on what its author wrote.
/// </summary>
internal static class ApiObjectText
{
    private static readonly string[] KeptMetadata = ["name", "generateName", "namespace", "labels", "annotations", "uid", "resourceVersion", "generation", "creationTimestamp"];

    public static string For(JsonObject o)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in o)
        {
            if (key == "metadata" && value is JsonObject metadata)
            {
                var kept = new JsonObject();
                foreach (var field in KeptMetadata)
                {
                    if (metadata[field] is { } v)
                    {
                        kept[field] = v.DeepClone();
                    }
                }

                if (kept["annotations"] is JsonObject annotations)
                {
                    annotations.Remove("kubectl.kubernetes.io/last-applied-configuration");
                }

                copy[key] = kept;
            }
            else
            {
                copy[key] = value?.DeepClone();
            }
        }

        return copy.ToJsonString();
    }
}
