using System.Net;
using System.Text.Json.Nodes;

namespace Causeway.Kubernetes;

/// <summary>
/// List-then-watch of one kind, as client-go's reflector does it: a chunked list (limit and continue) gives every
/// object and a resourceVersion; a watch from that version streams ADDED, MODIFIED, DELETED and BOOKMARK events
/// (bookmarks move the version on without an object). A watch that ends (the server's timeoutSeconds, a dropped
/// connection) resumes from the last version after a backoff; one the server answers 410 Gone (the version is
/// older than its history, or it restarted with fresh storage) lists again. A kind the server does not serve (its
/// CRD not installed: 404) counts as empty and is asked for again later.
/// </summary>
public sealed class ResourceWatch
{
    private readonly KubernetesConnection api;
    private readonly ClusterObjects objects;
    private readonly Action<string> report;
    private readonly WatchTiming timing;
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ResourceWatch(KubernetesConnection api, WatchedKind kind, ClusterObjects objects, Action<string> report, WatchTiming timing)
    {
        this.api = api;
        Kind = kind;
        this.objects = objects;
        this.report = report;
        this.timing = timing;
    }

    public WatchedKind Kind { get; }

    /// <summary>Completes once the first list has been stored.</summary>
    public Task Synced => synced.Task;

    /// <summary>How many full lists were made (the first one, then one per 410 Gone).</summary>
    public int Lists { get; private set; }

    public string ResourceVersion { get; private set; } = "";

    public async Task RunAsync(CancellationToken stop)
    {
        var needList = true;
        var backoff = timing.InitialBackoff;
        var missingReported = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    var listed = await ListAsync(stop).ConfigureAwait(false);
                    if (listed is null)
                    {
                        // Not served (its CRD is not installed): nothing of this kind, for now.
                        objects.Replace(Kind, []);
                        synced.TrySetResult();
                        if (!missingReported)
                        {
                            report($"kubernetes: {Kind} is not served by the API server (CRD not installed?); asking again every {timing.MissingKindRetry.TotalSeconds:0}s");
                            missingReported = true;
                        }

                        await Task.Delay(timing.MissingKindRetry, stop).ConfigureAwait(false);
                        continue;
                    }

                    missingReported = false;
                    objects.Replace(Kind, listed.Value.Items);
                    ResourceVersion = listed.Value.ResourceVersion;
                    Lists++;
                    needList = false;
                    synced.TrySetResult();
                }

                await WatchAsync(() => backoff = timing.InitialBackoff, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (GoneException)
            {
                report($"kubernetes: {Kind} resourceVersion {ResourceVersion} is gone (410): listing again");
                needList = true;
                continue;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or System.Text.Json.JsonException or ApiException or OperationCanceledException)
            {
                report($"kubernetes: {Kind} watch failed ({ex.Message}); retrying in {backoff.TotalMilliseconds:0} ms");
                try
                {
                    await Task.Delay(backoff, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, timing.MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Every object of the kind, page by page; null when the kind is not served.</summary>
    private async Task<(List<JsonObject> Items, string ResourceVersion)?> ListAsync(CancellationToken stop)
    {
        var items = new List<JsonObject>();
        var cont = "";
        while (true)
        {
            var url = $"{Kind.CollectionPath}?limit={timing.PageSize}" + (cont.Length > 0 ? $"&continue={Uri.EscapeDataString(cont)}" : "");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(timing.RequestTimeout);
            using var response = await api.Http.GetAsync(new Uri(api.Server, url), timeout.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound && cont.Length == 0)
            {
                return null;
            }

            if (response.StatusCode == HttpStatusCode.Gone && cont.Length > 0)
            {
                // The continue token expired between pages: start the list again, as client-go does.
                items.Clear();
                cont = "";
                continue;
            }

            await EnsureSuccessAsync(response, timeout.Token).ConfigureAwait(false);
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false)) as JsonObject
                ?? throw new ApiException($"{Kind}: the list is not a JSON object");
            foreach (var item in page["items"] as JsonArray ?? [])
            {
                if (item is JsonObject o)
                {
                    items.Add(Stamp(o));
                }
            }

            var metadata = page["metadata"] as JsonObject;
            cont = metadata?["continue"]?.GetValue<string>() ?? "";
            if (cont.Length == 0)
            {
                return (items, metadata?["resourceVersion"]?.GetValue<string>() ?? "");
            }
        }
    }

    private async Task WatchAsync(Action connected, CancellationToken stop)
    {
        var url = $"{Kind.CollectionPath}?watch=true&allowWatchBookmarks=true&timeoutSeconds={(int)timing.WatchTimeout.TotalSeconds}"
            + (ResourceVersion.Length > 0 ? $"&resourceVersion={Uri.EscapeDataString(ResourceVersion)}" : "");

        // The server ends the watch after timeoutSeconds; a connection that goes silent for longer is dead.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(timing.WatchTimeout + timing.RequestTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Server, url));
        using var response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Gone)
        {
            throw new GoneException();
        }

        await EnsureSuccessAsync(response, deadline.Token).ConfigureAwait(false);
        connected();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false));
        while (await reader.ReadLineAsync(deadline.Token).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var e = JsonNode.Parse(line) as JsonObject ?? throw new ApiException($"{Kind}: a watch event is not a JSON object");
            var type = e["type"]?.GetValue<string>();
            if (e["object"] is not JsonObject o)
            {
                throw new ApiException($"{Kind}: watch event {type} has no object");
            }

            switch (type)
            {
                case "ADDED" or "MODIFIED":
                    objects.Upsert(Kind, Stamp(o));
                    break;
                case "DELETED":
                    objects.Delete(Kind, Stamp(o));
                    break;
                case "BOOKMARK":
                    break;
                case "ERROR" when o["code"]?.GetValue<int>() == 410:
                    throw new GoneException();
                default:
                    throw new ApiException($"{Kind}: watch event {type}: {o["message"]?.GetValue<string>() ?? o.ToJsonString()}");
            }

            if ((o["metadata"] as JsonObject)?["resourceVersion"]?.GetValue<string>() is { Length: > 0 } version)
            {
                ResourceVersion = version;
            }
        }
    }

    /// <summary>List items come without apiVersion and kind: the loader needs both.</summary>
    private JsonObject Stamp(JsonObject o)
    {
        o["apiVersion"] = Kind.ApiVersion;
        o["kind"] = Kind.Kind;
        return o;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
            throw new ApiException($"{(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}");
        }
    }

    private sealed class GoneException : Exception;
}

/// <summary>An answer from the API server that is not what the protocol promises.</summary>
public sealed class ApiException(string message) : Exception(message);

/// <summary>How list and watch pace themselves; the defaults are client-go's where it has one.</summary>
public sealed record WatchTiming
{
    public int PageSize { get; init; } = 500;

    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MissingKindRetry { get; init; } = TimeSpan.FromSeconds(10);
}
