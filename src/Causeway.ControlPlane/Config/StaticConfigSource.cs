using Causeway.Api.Diagnostics;
using Causeway.Api.Validation;
using Causeway.Translation.Mesh;
using Causeway.Translation;
using Causeway.Protocol;
using Causeway.Protocol.V1;

namespace Causeway.ControlPlane.Config;

/// <summary>
/// The proxy's own config source when there is no control plane: a directory of Istio YAML, compiled here with the
/// same translation the control plane uses, and reloaded when files change (debounced; polled too, as file watching
/// is not reliable everywhere). A change with any error is rejected whole and the last good snapshot keeps serving.
/// </summary>
public sealed class StaticConfigSource : IAsyncDisposable
{
    private readonly string directory;
    private readonly WorkloadIdentity identity;
    private readonly Func<ProxySnapshot, Task<string?>> apply;
    private readonly Action<string> report;
    private readonly CancellationTokenSource stop = new();
    private readonly DirectoryChanges changes;
    private readonly Task loop;
    private string fingerprint = "";

    /// <summary>Mesh-wide settings (from --mesh-config) applied to every compile.</summary>
    public MeshSettings? Settings { get; }

    public StaticConfigSource(string directory, WorkloadIdentity identity, Func<ProxySnapshot, Task<string?>> apply, Action<string> report, TimeSpan? pollInterval = null, MeshSettings? settings = null)
    {
        Settings = settings;
        this.directory = directory;
        this.identity = identity;
        this.apply = apply;
        this.report = report;
        changes = new DirectoryChanges(directory, report);

        loop = RunAsync(pollInterval ?? TimeSpan.FromSeconds(1));
    }

    /// <summary>The version last applied, or null before the first good load.</summary>
    public string? AppliedVersion { get; private set; }

    /// <summary>Loads the directory now; returns null when a snapshot was applied (or nothing changed), else why not.</summary>
    public async Task<string?> ReloadAsync()
    {
        var result = ResourceValidation.LoadAndValidate([directory]);
        var errors = result.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        if (errors.Count > 0)
        {
            var message = $"config in {directory} has {errors.Count} error(s); keeping {(AppliedVersion is null ? "no configuration" : "snapshot " + AppliedVersion)}:\n  " +
                          string.Join("\n  ", errors.Take(10).Select(e => e.ToString()));
            report(message);
            return message;
        }

        var mesh = new MeshState(result.Valid, settings: Settings);
        var request = Resolve(mesh);
        if (request is null)
        {
            var message = $"workload {identity.Name}.{identity.Namespace} is not defined (no WorkloadEntry {identity.Name} in namespace {identity.Namespace})";
            report(message);
            return message;
        }

        var snapshot = ProxySnapshotBuilder.Build(mesh, request);
        if (snapshot.Version == AppliedVersion)
        {
            return null;
        }

        var error = await apply(snapshot).ConfigureAwait(false);
        if (error is null)
        {
            AppliedVersion = snapshot.Version;
        }

        return error;
    }

    private ProxyRequest? Resolve(MeshState mesh) => ProxyRequest.Resolve(mesh, identity.Role, identity.Name, identity.Namespace, identity.Labels);

    private async Task RunAsync(TimeSpan poll)
    {
        while (!stop.IsCancellationRequested)
        {
            var current = Fingerprint();
            if (current != fingerprint)
            {
                // Debounce: editors write files in several steps.
                await Task.Delay(TimeSpan.FromMilliseconds(150), stop.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                fingerprint = Fingerprint();
                try
                {
                    await ReloadAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    report("could not read the config: " + ex.Message);
                }
            }

            try
            {
                await changes.WaitAsync(poll, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string Fingerprint() => ConfigFingerprint.Of(directory);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        changes.Wake();
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
        changes.Dispose();
    }
}
