using System.Text.Json.Nodes;

namespace Causeway.Kubernetes;

/// <summary>
/// The control plane's copy of the cluster's objects, kept by the watches (istiod's informer caches): each object
/// by its path, with its resourceVersion. A change bumps <see cref="Version"/> and wakes whoever waits in
/// <see cref="WaitForChangeAsync"/>.
/// </summary>
public sealed class ClusterObjects
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> objects = new(StringComparer.Ordinal);
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One object as the API server last sent it.</summary>
    public sealed record Entry(WatchedKind Kind, string Path, string ResourceVersion, JsonObject Object);

    public long Version { get; private set; }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return objects.Count;
            }
        }
    }

    public IReadOnlyList<Entry> Snapshot()
    {
        lock (gate)
        {
            return [.. objects.Values];
        }
    }

    /// <summary>A namespace's labels as last listed or watched (null: no such namespace), for injection's istio-injection check.</summary>
    public IReadOnlyDictionary<string, string>? NamespaceLabels(string ns)
    {
        Entry? entry;
        lock (gate)
        {
            objects.TryGetValue($"/api/v1/namespaces/{ns}", out entry);
        }

        return entry?.Object["metadata"]?["labels"] is System.Text.Json.Nodes.JsonObject labels
            ? labels.Where(l => l.Value is not null).ToDictionary(l => l.Key, l => l.Value!.ToString(), StringComparer.Ordinal)
            : entry is null ? null : new Dictionary<string, string>();
    }

    /// <summary>A full list of one kind: what it holds replaces every object of that kind (deletions missed while disconnected go too).</summary>
    public void Replace(WatchedKind kind, IReadOnlyList<JsonObject> items)
    {
        lock (gate)
        {
            var fresh = items.Select(o => ToEntry(kind, o)).ToDictionary(e => e.Path, StringComparer.Ordinal);
            var same = objects.Values.Where(e => e.Kind == kind).All(e => fresh.TryGetValue(e.Path, out var f) && f.ResourceVersion == e.ResourceVersion)
                && fresh.Count == objects.Values.Count(e => e.Kind == kind);
            foreach (var stale in objects.Values.Where(e => e.Kind == kind).Select(e => e.Path).ToList())
            {
                objects.Remove(stale);
            }

            foreach (var (path, entry) in fresh)
            {
                objects[path] = entry;
            }

            if (!same)
            {
                Signal();
            }
        }
    }

    public void Upsert(WatchedKind kind, JsonObject item)
    {
        var entry = ToEntry(kind, item);
        lock (gate)
        {
            if (objects.TryGetValue(entry.Path, out var old) && old.ResourceVersion == entry.ResourceVersion)
            {
                return;
            }

            objects[entry.Path] = entry;
            Signal();
        }
    }

    public void Delete(WatchedKind kind, JsonObject item)
    {
        var entry = ToEntry(kind, item);
        lock (gate)
        {
            if (objects.Remove(entry.Path))
            {
                Signal();
            }
        }
    }

    /// <summary>Completes at the next change after <paramref name="seen"/> (at once if there was one already).</summary>
    public Task WaitForChangeAsync(long seen, CancellationToken cancel)
    {
        lock (gate)
        {
            return Version != seen ? Task.CompletedTask : changed.Task.WaitAsync(cancel);
        }
    }

    private void Signal()
    {
        Version++;
        var fire = changed;
        changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fire.TrySetResult();
    }

    private static Entry ToEntry(WatchedKind kind, JsonObject o)
    {
        var metadata = o["metadata"] as JsonObject;
        var name = metadata?["name"]?.GetValue<string>() ?? "";
        var ns = metadata?["namespace"]?.GetValue<string>();
        return new Entry(kind, kind.ObjectPath(ns, name), metadata?["resourceVersion"]?.GetValue<string>() ?? "", o);
    }
}
