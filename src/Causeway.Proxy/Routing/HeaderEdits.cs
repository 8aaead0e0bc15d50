using Causeway.Protocol.V1;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Routing;

/// <summary>
/// Istio's header operations (remove, then set to overwrite, then add to append with ','), compiled once per
/// snapshot into arrays: a request walks arrays instead of the snapshot's protobuf maps. Null stands for "no edits".
/// </summary>
public sealed class HeaderEdits
{
    private readonly string[] remove;
    private readonly (string Name, string Value, bool IsHost)[] set;
    private readonly (string Name, string Value)[] add;

    private HeaderEdits(HeaderOperations ops)
    {
        remove = [.. ops.Remove];
        // A set of :authority or host is, upstream, the request's Host rather than a header.
        set = [.. ops.Set.Select(kv => (kv.Key, kv.Value, kv.Key is ":authority" or "host"))];
        add = [.. ops.Add.Select(kv => (kv.Key, kv.Value))];
    }

    public static HeaderEdits? Compile(HeaderOperations? ops) =>
        ops is null || (ops.Remove.Count == 0 && ops.Set.Count == 0 && ops.Add.Count == 0) ? null : new HeaderEdits(ops);

    /// <summary>Edits response headers (or a local reply's) in Kestrel's collection.</summary>
    public void Apply(IHeaderDictionary headers)
    {
        foreach (var name in remove)
        {
            headers.Remove(name);
        }

        foreach (var (name, value, _) in set)
        {
            headers[name] = value;
        }

        foreach (var (name, value) in add)
        {
            headers[name] = headers.TryGetValue(name, out var existing) && existing.Count > 0 ? existing.ToString() + "," + value : value;
        }
    }

    /// <summary>Edits an upstream request; a set of <c>:authority</c>/<c>host</c> becomes its Host.</summary>
    public void Apply(HttpRequestMessage request)
    {
        foreach (var name in remove)
        {
            request.Headers.Remove(name);
            request.Content?.Headers.Remove(name);
        }

        foreach (var (name, value, isHost) in set)
        {
            if (isHost)
            {
                request.Headers.Host = value;
                continue;
            }

            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        foreach (var (name, value) in add)
        {
            var existing = request.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, existing is null ? value : existing + "," + value);
        }
    }
}
