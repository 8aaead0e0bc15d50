using System.Text.Json.Nodes;
using Causeway.Api.Diagnostics;
using Causeway.ControlPlane.Config;
using Causeway.Translation.Mesh;

namespace Causeway.Kubernetes;

/// <summary>
/// Writes each Istio resource's status where Istio writes it: <c>status.validationMessages</c> (the analyzers' and
/// validation's findings for that resource, as istiod's analysis does: type name and code, level, documentation
/// URL), <c>status.observedGeneration</c>, and a <c>Reconciled</c> condition (True when the generation is in force;
/// False with the validation error when it was rejected and the last valid one still serves). A status is written
/// only when it differs from the one the object carries, so replicas writing the same status agree and a write
/// does not cause another.
/// </summary>
public sealed class ResourceStatusWriter : IAsyncDisposable
{
    private readonly KubernetesConnection api;
    private readonly KubernetesConfigSource source;
    private readonly Action<string> report;
    private readonly SemaphoreSlim pending = new(0, 1);
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public ResourceStatusWriter(KubernetesConnection api, KubernetesConfigSource source, Action<string> report)
    {
        this.api = api;
        this.source = source;
        this.report = report;
        source.Changed += _ => Wake();
        loop = RunAsync();
        Wake();
    }

    /// <summary>Status writes made (PATCH of the status subresource).</summary>
    public int Writes { get; private set; }

    private void Wake()
    {
        try
        {
            pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // a pass is already due: it reads the latest generation
        }
    }

    private async Task RunAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await pending.WaitAsync(stop.Token).ConfigureAwait(false);
                await WriteAllAsync(source.Current, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                report($"kubernetes: writing resource status failed ({ex.Message}); trying again at the next change");
            }
        }
    }

    private async Task WriteAllAsync(ConfigGeneration generation, CancellationToken cancel)
    {
        var analysis = MeshAnalysis.Of(generation.Mesh)
            .Where(d => d.Resource is not null)
            .ToLookup(d => (d.Resource!.Kind, d.Resource.Namespace ?? "", d.Resource.Name));
        foreach (var entry in source.Objects.Snapshot().Where(e => e.Kind.Group.EndsWith(".istio.io", StringComparison.Ordinal)))
        {
            var metadata = entry.Object["metadata"];
            var key = (entry.Kind.Kind, metadata?["namespace"]?.GetValue<string>() ?? "", metadata?["name"]?.GetValue<string>() ?? "");
            var validation = source.DiagnosticsOf(entry.Path);
            var desired = Status(metadata?["generation"]?.GetValue<long>() ?? 0, validation, analysis[key]);
            var current = entry.Object["status"] as JsonObject;
            if (current is not null && Same(current, desired))
            {
                continue;
            }

            using var response = await api.SendAsync(HttpMethod.Patch, entry.Path + "/status", new JsonObject { ["status"] = desired }, cancel, "application/merge-patch+json").ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Writes++;
            }
            else if (response.StatusCode != System.Net.HttpStatusCode.NotFound)
            {
                report($"kubernetes: status of {entry.Path}: {(int)response.StatusCode} {(await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false)).Trim()}");
            }
        }
    }

    /// <summary>The status Istio would write for a resource of this generation with these findings.</summary>
    public static JsonObject Status(long generation, IReadOnlyList<Diagnostic> validation, IEnumerable<Diagnostic> analysis)
    {
        var errors = validation.Where(d => d.Severity == Severity.Error).ToList();
        var messages = new JsonArray();
        foreach (var d in validation.Concat(analysis).DistinctBy(d => (d.Code, d.Message)))
        {
            messages.Add((JsonNode)new JsonObject
            {
                ["type"] = new JsonObject { ["name"] = d.Type.Name, ["code"] = d.Code },
                ["level"] = d.Severity switch { Severity.Error => "ERROR", Severity.Warning => "WARNING", _ => "INFO" },
                ["documentationUrl"] = $"https://istio.io/latest/docs/reference/config/analysis/{d.Code.ToLowerInvariant()}/",
            });
        }

        var condition = new JsonObject
        {
            ["type"] = "Reconciled",
            ["status"] = errors.Count == 0 ? "True" : "False",
            ["reason"] = errors.Count == 0 ? "Accepted" : "Invalid",
            ["message"] = errors.Count == 0 ? "in force" : "rejected (the last valid version stays in force): " + string.Join("; ", errors.Select(e => $"{e.FieldPath}: {e.Message}")),
        };
        // validationMessages null when there are none: a merge patch then removes earlier ones
        return new JsonObject { ["conditions"] = new JsonArray(condition), ["observedGeneration"] = generation, ["validationMessages"] = messages.Count > 0 ? messages : null };
    }

    private static bool Same(JsonObject current, JsonObject desired) => desired.All(p => JsonNode.DeepEquals(current[p.Key], p.Value));

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
        pending.Dispose();
    }
}
