using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>
/// A Kubernetes API server small enough to read and faithful on the wire where a client can tell: discovery
/// (/api, /apis, resource lists, so kubectl finds kinds, CRDs included once created), objects stored with a global
/// resourceVersion, uid, generation and creationTimestamp; list with limit and continue (a continue token older
/// than the compacted history is 410 Gone); watch as newline-delimited events (ADDED, MODIFIED, DELETED, BOOKMARK
/// when allowWatchBookmarks, ERROR 410 "too old resource version" for a version older than the history,
/// timeoutSeconds honoured); create, get, update (resourceVersion conflicts are 409), merge and strategic merge
/// patch (both as RFC 7386 merge: lists replaced, not merged by key — the one simplification), delete, and the
/// status subresource; errors as Status objects. Restartable on the same port with its storage kept and its watch
/// history lost, as an API server restart looks to a watcher.
/// </summary>
public sealed partial class FakeApiServer : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Group, string Plural), ApiKind> kinds = [];
    private readonly SortedDictionary<string, Stored> objects = new(StringComparer.Ordinal);
    private readonly List<Event> history = [];
    private readonly List<Watcher> watchers = [];
    private readonly List<string> requests = [];
    private long resourceVersion = 1000;
    private long compactedBelow;
    private WebApplication? app;

    private FakeApiServer()
    {
        foreach (var k in new ApiKind[]
        {
            new("", "v1", "namespaces", "Namespace", false),
            new("", "v1", "nodes", "Node", false),
            new("", "v1", "services", "Service", true),
            new("", "v1", "pods", "Pod", true),
            new("", "v1", "secrets", "Secret", true),
            new("", "v1", "configmaps", "ConfigMap", true),
            new("", "v1", "serviceaccounts", "ServiceAccount", true),
            new("", "v1", "endpoints", "Endpoints", true),
            new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
            new("apps", "v1", "deployments", "Deployment", true),
            new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false),
            new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
            new("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false),
            new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
            new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false),
            new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false),
        })
        {
            kinds[(k.Group, k.Plural)] = k;
        }
    }

    public int Port { get; private set; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>How often an open watch that asked for bookmarks gets one.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Every request's method, path and query, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (gate)
            {
                return [.. requests];
            }
        }
    }

    private int bookmarksSent;

    public int BookmarksSent => Volatile.Read(ref bookmarksSent);

    public static async Task<FakeApiServer> StartAsync(int port = 0)
    {
        var server = new FakeApiServer();
        await server.ListenAsync(port);
        return server;
    }

    /// <summary>Stops serving: open watches and connections are cut, as when the API server's process dies.</summary>
    public async Task StopAsync()
    {
        lock (gate)
        {
            foreach (var w in watchers)
            {
                w.Events.Writer.TryComplete(new IOException("server stopped"));
            }

            watchers.Clear();
        }

        if (app is not null)
        {
            await app.StopAsync(new CancellationToken(canceled: true));
            await app.DisposeAsync();
            app = null;
        }
    }

    /// <summary>Serves again on the same port: objects kept, watch history gone (a watch from an old version gets 410).</summary>
    public async Task RestartAsync()
    {
        Compact();
        await ListenAsync(Port);
    }

    /// <summary>Forgets the event history, as etcd compaction does: every earlier resourceVersion becomes too old to watch from.</summary>
    public void Compact()
    {
        lock (gate)
        {
            history.Clear();
            compactedBelow = resourceVersion; // the current revision stays readable, as etcd's compaction keeps it
        }
    }

    /// <summary>Registers a kind as a CRD would (the tests' shortcut for installing Istio's CRDs).</summary>
    public void Serve(string group, string version, string plural, string kind, bool namespaced = true)
    {
        lock (gate)
        {
            kinds[(group, plural)] = new ApiKind(group, version, plural, kind, namespaced);
        }
    }

    public void ServeIstioKinds()
    {
        foreach (var (group, plural, kind) in new[]
        {
            ("networking.istio.io", "virtualservices", "VirtualService"), ("networking.istio.io", "destinationrules", "DestinationRule"),
            ("networking.istio.io", "gateways", "Gateway"), ("networking.istio.io", "serviceentries", "ServiceEntry"),
            ("networking.istio.io", "workloadentries", "WorkloadEntry"), ("networking.istio.io", "sidecars", "Sidecar"),
            ("security.istio.io", "peerauthentications", "PeerAuthentication"), ("security.istio.io", "authorizationpolicies", "AuthorizationPolicy"),
            ("security.istio.io", "requestauthentications", "RequestAuthentication"), ("telemetry.istio.io", "telemetries", "Telemetry"),
        })
        {
            Serve(group, "v1", plural, kind);
        }
    }

    /// <summary>Creates or replaces an object given as JSON (the way a controller would write it); returns its resourceVersion.</summary>
    public string Put(string json)
    {
        var o = JsonNode.Parse(json)!.AsObject();
        var (group, _) = SplitApiVersion(o["apiVersion"]!.GetValue<string>());
        ApiKind kind;
        lock (gate)
        {
            kind = kinds.Values.First(k => k.Group == group && k.Kind == o["kind"]!.GetValue<string>());
        }

        var ns = kind.Namespaced ? o["metadata"]?["namespace"]?.GetValue<string>() ?? "default" : null;
        var name = o["metadata"]!["name"]!.GetValue<string>();
        lock (gate)
        {
            var key = Key(kind, ns, name);
            return objects.TryGetValue(key, out var old) ? Store(kind, ns, name, o, old, "MODIFIED") : Store(kind, ns, name, o, null, "ADDED");
        }
    }

    public bool Remove(string group, string plural, string? ns, string name)
    {
        lock (gate)
        {
            var kind = kinds[(group, plural)];
            var key = Key(kind, ns, name);
            if (!objects.Remove(key, out var old))
            {
                return false;
            }

            Publish(new Event(++resourceVersion, kind, ns, "DELETED", WithVersion(old.Object, resourceVersion)));
            return true;
        }
    }

    public JsonObject? Get(string group, string plural, string? ns, string name)
    {
        lock (gate)
        {
            return objects.TryGetValue(Key(kinds[(group, plural)], ns, name), out var s) ? (JsonObject)s.Object.DeepClone() : null;
        }
    }

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port));
        var web = builder.Build();
        web.Run(HandleAsync);
        await web.StartAsync();
        app = web;
        Port = new Uri(web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        lock (gate)
        {
            requests.Add($"{ctx.Request.Method} {path}{ctx.Request.QueryString}");
        }

        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (path == "/version")
        {
            await WriteAsync(ctx, 200, new JsonObject { ["major"] = "1", ["minor"] = "32", ["gitVersion"] = "v1.32.0-causeway-fake", ["platform"] = "linux/amd64" });
            return;
        }

        if (path == "/api")
        {
            await WriteAsync(ctx, 200, new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1") });
            return;
        }

        if (path == "/apis")
        {
            await WriteAsync(ctx, 200, GroupList());
            return;
        }

        string group, version;
        string[] rest;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], segments[2..]);
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], segments[3..]);
        }
        else if (segments.Length == 2 && segments[0] == "apis")
        {
            await WriteAsync(ctx, 200, Group(segments[1]) ?? new JsonObject());
            return;
        }
        else
        {
            await WriteStatusAsync(ctx, 404, "NotFound", $"the server could not find the requested resource ({path})");
            return;
        }

        if (rest.Length == 0)
        {
            await WriteAsync(ctx, 200, ResourceList(group, version));
            return;
        }

        string? ns = null;
        if (rest[0] == "namespaces" && rest.Length >= 3)
        {
            ns = rest[1];
            rest = rest[2..];
        }

        ApiKind? kind;
        lock (gate)
        {
            kind = kinds.GetValueOrDefault((group, rest[0]));
        }

        if (kind is null || !kind.Serves(version))
        {
            await WriteStatusAsync(ctx, 404, "NotFound", $"the server could not find the requested resource ({path})");
            return;
        }

        var name = rest.Length > 1 ? rest[1] : null;
        var sub = rest.Length > 2 ? rest[2] : null;
        ctx.Items[RequestedVersion] = group.Length == 0 ? version : $"{group}/{version}";
        switch (ctx.Request.Method, name)
        {
            case ("GET", null) when ctx.Request.Query["watch"] is ["true" or "1"]:
                await WatchAsync(ctx, kind, ns);
                break;
            case ("GET", null):
                await ListAsync(ctx, kind, ns);
                break;
            case ("POST", null):
                await CreateAsync(ctx, kind, ns);
                break;
            case ("GET", _):
                JsonNode? found;
                lock (gate)
                {
                    found = objects.TryGetValue(Key(kind, ns, name), out var stored) ? stored.Object.DeepClone() : null;
                }

                await (found is null
                    ? WriteStatusAsync(ctx, 404, "NotFound", $"{kind.Plural}{(kind.Group.Length > 0 ? "." + kind.Group : "")} \"{name}\" not found", kind, name)
                    : WriteAsync(ctx, 200, found));
                break;
            case ("PUT" or "PATCH", not null):
                await UpdateAsync(ctx, kind, ns, name, sub);
                break;
            case ("DELETE", not null):
                if (Remove(kind.Group, kind.Plural, ns, name))
                {
                    await WriteAsync(ctx, 200, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Success", ["details"] = new JsonObject { ["name"] = name, ["kind"] = kind.Plural } });
                }
                else
                {
                    await WriteStatusAsync(ctx, 404, "NotFound", $"{kind.Plural} \"{name}\" not found", kind, name);
                }

                break;
            default:
                await WriteStatusAsync(ctx, 405, "MethodNotAllowed", $"{ctx.Request.Method} is not supported here");
                break;
        }
    }

    private async Task ListAsync(HttpContext ctx, ApiKind kind, string? ns)
    {
        var limit = int.TryParse(ctx.Request.Query["limit"], out var l) && l > 0 ? l : int.MaxValue;
        var cont = ctx.Request.Query["continue"].ToString();
        JsonObject? list = null;
        lock (gate)
        {
            long listVersion = resourceVersion;
            var after = "";
            if (cont.Length > 0)
            {
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(cont)).Split('|', 2);
                listVersion = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
                after = parts[1];
            }

            if (listVersion >= compactedBelow)
            {
                list = Page(kind, ns, limit, listVersion, after);
            }
        }

        await (list is null
            ? WriteStatusAsync(ctx, 410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
            : WriteAsync(ctx, 200, list));
    }

    private JsonObject Page(ApiKind kind, string? ns, int limit, long listVersion, string after)
    {
        {

            var prefix = KindPrefix(kind, ns);
            var matching = objects.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && string.CompareOrdinal(kv.Key, after) > 0).ToList();
            var page = matching.Take(limit).ToList();
            var items = new JsonArray();
            foreach (var (_, stored) in page)
            {
                var item = (JsonObject)stored.Object.DeepClone();
                if (kind.BuiltIn)
                {
                    item.Remove("kind"); // the API server leaves built-in list items without kind and apiVersion
                    item.Remove("apiVersion");
                }

                items.Add(item);
            }

            var metadata = new JsonObject { ["resourceVersion"] = listVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (matching.Count > page.Count)
            {
                metadata["continue"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{listVersion}|{page[^1].Key}"));
                metadata["remainingItemCount"] = matching.Count - page.Count;
            }

            return new JsonObject { ["kind"] = kind.Kind + "List", ["apiVersion"] = kind.ApiVersion, ["metadata"] = metadata, ["items"] = items };
        }
    }

    private async Task WatchAsync(HttpContext ctx, ApiKind kind, string? ns)
    {
        var from = ctx.Request.Query["resourceVersion"].ToString();
        var bookmarks = ctx.Request.Query["allowWatchBookmarks"] is ["true" or "1"];
        var timeout = int.TryParse(ctx.Request.Query["timeoutSeconds"], out var t) && t > 0 ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        var watcher = new Watcher(kind, ns);
        lock (gate)
        {
            if (from is "" or "0")
            {
                foreach (var (_, stored) in objects.Where(kv => kv.Key.StartsWith(KindPrefix(kind, ns), StringComparison.Ordinal)))
                {
                    watcher.Events.Writer.TryWrite(Line("ADDED", stored.Object));
                }
            }
            else if (long.Parse(from, System.Globalization.CultureInfo.InvariantCulture) < compactedBelow)
            {
                watcher.Events.Writer.TryWrite(Line("ERROR", new JsonObject
                {
                    ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure",
                    ["message"] = $"too old resource version: {from} ({compactedBelow})", ["reason"] = "Expired", ["code"] = 410,
                }));
                watcher.Events.Writer.TryComplete();
            }
            else
            {
                var since = long.Parse(from, System.Globalization.CultureInfo.InvariantCulture);
                foreach (var e in history.Where(e => e.Version > since && watcher.Wants(e)))
                {
                    watcher.Events.Writer.TryWrite(Line(e.Type, e.Object));
                }
            }

            watchers.Add(watcher);
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.StartAsync();
        using var end = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        end.CancelAfter(timeout);
        try
        {
            while (true)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(end.Token);
                tick.CancelAfter(BookmarkInterval);
                string line;
                try
                {
                    if (!await watcher.Events.Reader.WaitToReadAsync(tick.Token))
                    {
                        break;
                    }

                    line = await watcher.Events.Reader.ReadAsync(end.Token);
                }
                catch (OperationCanceledException) when (!end.IsCancellationRequested)
                {
                    if (!bookmarks)
                    {
                        continue;
                    }

                    string version;
                    lock (gate)
                    {
                        version = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }

                    line = Line("BOOKMARK", new JsonObject { ["kind"] = kind.Kind, ["apiVersion"] = kind.ApiVersion, ["metadata"] = new JsonObject { ["resourceVersion"] = version } });
                    Interlocked.Increment(ref bookmarksSent);
                }

                await ctx.Response.WriteAsync(line + "\n", end.Token);
                await ctx.Response.Body.FlushAsync(end.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ChannelClosedException)
        {
            if (ex is IOException or ChannelClosedException)
            {
                ctx.Abort(); // the server died: the connection is cut, not ended cleanly
            }
        }
        finally
        {
            lock (gate)
            {
                watchers.Remove(watcher);
            }
        }
    }

    private async Task CreateAsync(HttpContext ctx, ApiKind kind, string? ns)
    {
        var body = await ReadBodyAsync(ctx);
        if (kind.Plural == "tokenreviews")
        {
            await WriteAsync(ctx, 201, ReviewToken(body));
            return;
        }

        if (string.IsNullOrEmpty(body["metadata"]?["name"]?.GetValue<string>()) && body["metadata"]?["generateName"]?.GetValue<string>() is { Length: > 0 } prefix)
        {
            body["metadata"]!["name"] = prefix + Guid.NewGuid().ToString("N")[..5]; // as a ReplicaSet's pods are named
        }

        var name = body["metadata"]?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            await WriteStatusAsync(ctx, 422, "Invalid", $"{kind.Kind} is invalid: metadata.name: Required value");
            return;
        }

        if (kind.Namespaced && body["metadata"] is JsonObject created)
        {
            created["namespace"] ??= ns ?? "default";
        }

        var admitted = await AdmitAsync(kind, ns, name, body, null, "CREATE");
        if (admitted.Denied is { } denied)
        {
            await WriteStatusAsync(ctx, denied.Code, "BadRequest", denied.Message, kind, name);
            return;
        }

        body = admitted.Object;

        JsonNode? result = null;
        lock (gate)
        {
            if (!objects.ContainsKey(Key(kind, ns, name)))
            {
                Store(kind, ns, name, body, null, "ADDED");
                result = objects[Key(kind, ns, name)].Object.DeepClone();
            }
        }

        await (result is null ? WriteStatusAsync(ctx, 409, "AlreadyExists", $"{kind.Plural} \"{name}\" already exists", kind, name) : WriteAsync(ctx, 201, result));
    }

    private async Task UpdateAsync(HttpContext ctx, ApiKind kind, string? ns, string name, string? sub)
    {
        var body = await ReadBodyAsync(ctx);
        var patch = ctx.Request.Method == "PATCH";
        var contentType = ctx.Request.ContentType ?? "";
        if (patch && !contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal) && !contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
        {
            await WriteStatusAsync(ctx, 415, "UnsupportedMediaType", $"the fake API server does not take {contentType} patches");
            return;
        }

        if (sub is null && HasWebhooks())
        {
            // Admission sees the object as it would be stored: a patch merged into the current one first.
            JsonObject? preview = null;
            JsonObject? current = null;
            lock (gate)
            {
                if (objects.TryGetValue(Key(kind, ns, name), out var old))
                {
                    current = (JsonObject)old.Object.DeepClone();
                    preview = patch ? (JsonObject)MergePatch(old.Object.DeepClone(), body)! : body;
                }
            }

            if (preview is not null)
            {
                var admitted = await AdmitAsync(kind, ns, name, preview, current, "UPDATE");
                if (admitted.Denied is { } denied)
                {
                    await WriteStatusAsync(ctx, denied.Code, "BadRequest", denied.Message, kind, name);
                    return;
                }

                (body, patch) = (admitted.Object, false);
            }
        }

        var (code, result) = Update(kind, ns, name, sub, body, patch);
        await (code switch
        {
            200 => WriteAsync(ctx, 200, result!),
            409 => WriteStatusAsync(ctx, 409, "Conflict", $"Operation cannot be fulfilled on {kind.Plural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", kind, name),
            _ => WriteStatusAsync(ctx, 404, "NotFound", $"{kind.Plural} \"{name}\" not found", kind, name),
        });
    }

    private (int Code, JsonNode? Result) Update(ApiKind kind, string? ns, string name, string? sub, JsonObject body, bool patch)
    {
        lock (gate)
        {
            if (!objects.TryGetValue(Key(kind, ns, name), out var old))
            {
                return (404, null);
            }

            var sent = body["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (!patch && sent is not null && sent != old.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return (409, null);
            }

            JsonObject updated;
            if (sub == "status")
            {
                updated = (JsonObject)old.Object.DeepClone();
                updated["status"] = patch ? MergePatch(updated["status"]?.DeepClone() ?? new JsonObject(), body["status"]) : body["status"]?.DeepClone();
            }
            else
            {
                updated = patch ? (JsonObject)MergePatch(old.Object.DeepClone(), body)! : body;
                if (updated["status"] is null && old.Object["status"] is { } keep)
                {
                    updated["status"] = keep.DeepClone(); // the main resource does not write status
                }
            }

            Store(kind, ns, name, updated, old, "MODIFIED");
            return (200, objects[Key(kind, ns, name)].Object.DeepClone());
        }
    }

    /// <summary>RFC 7386: objects merge recursively, null deletes, anything else replaces.</summary>
    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        var t = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in p)
        {
            if (value is null)
            {
                t.Remove(key);
            }
            else
            {
                t[key] = MergePatch(t[key]?.DeepClone(), value);
            }
        }

        return t;
    }

    private string Store(ApiKind kind, string? ns, string name, JsonObject o, Stored? old, string type)
    {
        var version = ++resourceVersion;
        o["apiVersion"] = kind.ApiVersion;
        o["kind"] = kind.Kind;
        var metadata = o["metadata"] as JsonObject ?? new JsonObject();
        o["metadata"] = metadata;
        metadata["name"] = name;
        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }

        metadata["uid"] = old?.Object["metadata"]?["uid"]?.DeepClone() ?? Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = old?.Object["metadata"]?["creationTimestamp"]?.DeepClone()
            ?? DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var specChanged = old is null || !JsonNode.DeepEquals(old.Object["spec"], o["spec"]);
        var generation = (old?.Object["metadata"]?["generation"]?.GetValue<long>() ?? 0) + (specChanged ? 1 : 0);
        metadata["generation"] = generation;
        metadata["resourceVersion"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        o["apiVersion"] = kind.ApiVersion; // stored at the storage version, as the API server converts on write
        if (kind.Kind == "CustomResourceDefinition")
        {
            ServeCrd(o);
        }

        objects[Key(kind, ns, name)] = new Stored(version, o);
        Publish(new Event(version, kind, ns, type, o));
        return version.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private void ServeCrd(JsonObject crd)
    {
        var spec = crd["spec"]!;
        var group = spec["group"]!.GetValue<string>();
        var names = spec["names"]!;
        var served = spec["versions"]!.AsArray().Where(v => v?["served"]?.GetValue<bool>() is true).ToList();
        if (served.FirstOrDefault(v => v!["storage"]?.GetValue<bool>() is true) is { } storage)
        {
            kinds[(group, names["plural"]!.GetValue<string>())] = new ApiKind(group, storage["name"]!.GetValue<string>(), names["plural"]!.GetValue<string>(),
                names["kind"]!.GetValue<string>(), spec["scope"]?.GetValue<string>() != "Cluster", BuiltIn: false)
            {
                AlsoServed = [.. served.Where(v => v != storage).Select(v => v!["name"]!.GetValue<string>())],
                ShortNames = names["shortNames"]?.DeepClone() as JsonArray,
                Categories = names["categories"]?.DeepClone() as JsonArray,
            };
        }
    }

    private void Publish(Event e)
    {
        history.Add(e);
        foreach (var w in watchers.Where(w => w.Wants(e)))
        {
            w.Events.Writer.TryWrite(Line(e.Type, e.Object));
        }
    }

    private static JsonObject WithVersion(JsonObject o, long version)
    {
        var copy = (JsonObject)o.DeepClone();
        copy["metadata"]!["resourceVersion"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return copy;
    }

    private JsonObject GroupList()
    {
        var groups = new JsonArray();
        lock (gate)
        {
            foreach (var g in kinds.Values.Where(k => k.Group.Length > 0).GroupBy(k => k.Group))
            {
                groups.Add(Group(g.Key));
            }
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private JsonObject? Group(string name)
    {
        lock (gate)
        {
            var versions = kinds.Values.Where(k => k.Group == name).SelectMany(k => k.AlsoServed.Prepend(k.Version)).Distinct().ToList();
            if (versions.Count == 0)
            {
                return null;
            }

            var list = new JsonArray();
            foreach (var v in versions)
            {
                list.Add(new JsonObject { ["groupVersion"] = $"{name}/{v}", ["version"] = v });
            }

            return new JsonObject
            {
                ["kind"] = "APIGroup", ["apiVersion"] = "v1", ["name"] = name, ["versions"] = list,
                ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{name}/{versions[0]}", ["version"] = versions[0] },
            };
        }
    }

    private JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        lock (gate)
        {
            foreach (var k in kinds.Values.Where(k => k.Group == group && k.Serves(version)))
            {
                resources.Add(new JsonObject
                {
                    ["name"] = k.Plural, ["singularName"] = k.Kind.ToLowerInvariant(), ["namespaced"] = k.Namespaced, ["kind"] = k.Kind,
                    ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
                    ["shortNames"] = k.ShortNames?.DeepClone(),
                    ["categories"] = k.Categories?.DeepClone(),
                });
                resources.Add(new JsonObject { ["name"] = k.Plural + "/status", ["singularName"] = "", ["namespaced"] = k.Namespaced, ["kind"] = k.Kind, ["verbs"] = new JsonArray("get", "patch", "update") });
            }
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}", ["resources"] = resources };
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body);
        return JsonNode.Parse(await reader.ReadToEndAsync())?.AsObject() ?? new JsonObject();
    }

    private const string RequestedVersion = "requested-api-version";

    private static Task WriteAsync(HttpContext ctx, int code, JsonNode body)
    {
        // Objects come back in the version asked for (same schema here: only apiVersion changes), as the API
        // server converts them; kubectl apply checks it did not change under it.
        if (ctx.Items[RequestedVersion] is string requested && body is JsonObject o && o["kind"]?.GetValue<string>() != "Status" && o["apiVersion"] is not null)
        {
            body = o = (JsonObject)o.DeepClone();
            o["apiVersion"] = requested;
            foreach (var item in (o["items"] as JsonArray ?? []).OfType<JsonObject>().Where(i => i["apiVersion"] is not null))
            {
                item["apiVersion"] = requested;
            }
        }

        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body.ToJsonString());
    }

    private static Task WriteStatusAsync(HttpContext ctx, int code, string reason, string message, ApiKind? kind = null, string? name = null) =>
        WriteAsync(ctx, code, new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure", ["message"] = message, ["reason"] = reason,
            ["details"] = kind is null ? null : new JsonObject { ["name"] = name, ["group"] = kind.Group, ["kind"] = kind.Plural },
            ["code"] = code,
        });

    private static string Line(string type, JsonObject o) => new JsonObject { ["type"] = type, ["object"] = o.DeepClone() }.ToJsonString();

    private static string Key(ApiKind kind, string? ns, string name) => $"{KindPrefix(kind, ns ?? "")}{name}";

    /// <summary>Keys sort by kind, then namespace, then name: a prefix selects a kind, or a kind in one namespace.</summary>
    private static string KindPrefix(ApiKind kind, string? ns) => ns is null ? $"{kind.Group}/{kind.Plural}/" : $"{kind.Group}/{kind.Plural}/{ns}/";

    private static (string Group, string Version) SplitApiVersion(string apiVersion) =>
        apiVersion.Contains('/', StringComparison.Ordinal) ? (apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)], apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..]) : ("", apiVersion);

    public async ValueTask DisposeAsync() => await StopAsync();

    private sealed record ApiKind(string Group, string Version, string Plural, string Kind, bool Namespaced, bool BuiltIn = true)
    {
        public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

        /// <summary>Versions served besides the storage one (a CRD's other served versions: same schema, no conversion).</summary>
        public IReadOnlyList<string> AlsoServed { get; init; } = [];

        /// <summary>A CRD's names.shortNames and categories, for discovery (kubectl get vs).</summary>
        public JsonArray? ShortNames { get; init; }

        public JsonArray? Categories { get; init; }

        public bool Serves(string version) => version == Version || AlsoServed.Contains(version);
    }

    private sealed record Stored(long Version, JsonObject Object);

    private sealed record Event(long Version, ApiKind Kind, string? Namespace, string Type, JsonObject Object);

    private sealed class Watcher(ApiKind kind, string? ns)
    {
        public Channel<string> Events { get; } = Channel.CreateUnbounded<string>();

        public bool Wants(Event e) => e.Kind.Group == kind.Group && e.Kind.Plural == kind.Plural && (ns is null || e.Namespace == ns);
    }
}
