using Causeway.Translation;
using Causeway.Translation.Mesh;
using Causeway.Protocol;
using Causeway.Protocol.V1;

namespace Causeway.ControlPlane.Config;

/// <summary>
/// The proxy's own config source when there is no control plane: a directory of Istio YAML, watched and validated
/// exactly as the control plane's <see cref="DirectoryConfigSource"/> does (the same class), and compiled here with
/// the same translation. So bad config is handled the same way in both modes: an invalid resource is reported and
/// left out (at the first load) or kept at its last valid version (after), and everything valid is served. A proxy
/// started on a directory whose config is partly or wholly invalid says why in its status lines and serves what it can.
/// </summary>
public sealed class StaticConfigSource : IAsyncDisposable
{
    private readonly WorkloadIdentity identity;
    private readonly Func<ProxySnapshot, Task<string?>> apply;
    private readonly Action<string> report;
    private readonly DirectoryConfigSource source;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Task first;
    private long reported = -1;

    /// <summary>Mesh-wide settings (from --mesh-config) applied to every compile.</summary>
    public MeshSettings? Settings { get; }

    /// <summary>Starts watching <paramref name="directory"/>; <paramref name="apply"/> takes each new snapshot, <paramref name="report"/> each problem.</summary>
    /// <remarks><paramref name="quiet"/> is how long the files must stay unchanged before a change is loaded (editors
    /// write in steps); <paramref name="settings"/> are the mesh settings and <paramref name="identity"/> the proxy compiled for.</remarks>
    public StaticConfigSource(string directory, WorkloadIdentity identity, Func<ProxySnapshot, Task<string?>> apply, Action<string> report, TimeSpan? quiet = null, MeshSettings? settings = null)
    {
        Settings = settings;
        this.identity = identity;
        this.apply = apply;
        this.report = report;
        source = new DirectoryConfigSource(directory, quiet ?? TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(1), settings, report);
        source.Changed += changed => _ = ApplyCurrentAsync();
        first = ApplyCurrentAsync();
    }

    /// <summary>The version last applied, or null before the first snapshot.</summary>
    public string? AppliedVersion { get; private set; }

    /// <summary>Compiles the newest generation for this proxy and applies it (the newest always: a burst of changes applies once).</summary>
    private async Task ApplyCurrentAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var generation = source.Current;
            if (generation.Number != reported)
            {
                reported = generation.Number;
                foreach (var rejected in generation.Rejected)
                {
                    report($"config error, resource rejected ({(AppliedVersion is null ? "left out" : "its last valid version stays")}): {rejected}");
                }
            }

            var request = ProxyRequest.Resolve(generation.Mesh, identity.Role, identity.Name, identity.Namespace, identity.Labels);
            if (request is null)
            {
                report($"workload {identity.Name}.{identity.Namespace} is not defined (no valid WorkloadEntry {identity.Name} in namespace {identity.Namespace}); serving {(AppliedVersion is null ? "nothing" : "snapshot " + AppliedVersion)}");
                return;
            }

            var snapshot = ProxySnapshotBuilder.Build(generation.Mesh, request with { Captured = identity.Captured });
            if (snapshot.Version == AppliedVersion)
            {
                return;
            }

            if (await apply(snapshot).ConfigureAwait(false) is null)
            {
                AppliedVersion = snapshot.Version;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await source.DisposeAsync().ConfigureAwait(false);
        await first.ConfigureAwait(false);
        await gate.WaitAsync().ConfigureAwait(false); // a change being applied finishes first
        gate.Dispose();
    }
}
