using Causeway.Protocol.V1;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Forwarding;

/// <summary>Applies Istio's header operations: set (overwrite), add (append with ','), remove.</summary>
internal static class HeaderRewriter
{
    public static void Apply(IHeaderDictionary headers, HeaderOperations? ops)
    {
        if (ops is null)
        {
            return;
        }

        foreach (var name in ops.Remove)
        {
            headers.Remove(name);
        }

        foreach (var (name, value) in ops.Set)
        {
            headers[name] = value;
        }

        foreach (var (name, value) in ops.Add)
        {
            headers[name] = headers.TryGetValue(name, out var existing) && existing.Count > 0 ? existing.ToString() + "," + value : value;
        }
    }

    public static void Apply(HttpRequestMessage request, HeaderOperations? ops)
    {
        if (ops is null)
        {
            return;
        }

        foreach (var name in ops.Remove)
        {
            request.Headers.Remove(name);
            request.Content?.Headers.Remove(name);
        }

        foreach (var (name, value) in ops.Set)
        {
            if (name is ":authority" or "host")
            {
                request.Headers.Host = value;
                continue;
            }

            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        foreach (var (name, value) in ops.Add)
        {
            var existing = request.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, existing is null ? value : existing + "," + value);
        }
    }
}
