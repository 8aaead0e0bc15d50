using Causeway.Proxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// The live request as routing sees it. The path is the request target as received (not percent-decoded, as Envoy
/// matches it), normalized as the mesh config says (Istio's BASE by default: RFC 3986, see
/// <see cref="PathNormalizer"/>); the normalized path is also what goes upstream. Header values of a repeated header
/// are joined with ','.
/// </summary>
internal readonly struct HttpContextRouteRequest : IRouteRequest
{
    private readonly HttpRequest request;

    public HttpContextRouteRequest(HttpContext context, uint port, PathNormalization normalization = PathNormalization.Base)
    {
        request = context.Request;
        Port = port;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is null || !raw.StartsWith('/'))
        {
            // Absolute-form (a request to a forward proxy) or asterisk-form: route on the path Kestrel parsed out.
            raw = request.Path.Value is { Length: > 0 } p ? p + request.QueryString.Value : "/" + request.QueryString.Value;
        }

        var q = raw.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? raw : raw[..q];
        Query = q < 0 ? "" : raw[(q + 1)..];
        Path = PathNormalizer.Normalize(path, normalization);
        Target = ReferenceEquals(Path, path) ? raw : q < 0 ? Path : Path + raw[q..];
    }

    public string Method => request.Method;

    public string Scheme => request.Scheme;

    public string Authority => request.Host.Value ?? "";

    public string Path { get; }

    public string Query { get; }

    /// <summary>The request target, path (normalized) and query (as received).</summary>
    public string Target { get; }

    public uint Port { get; }

    public bool TryGetHeader(string name, out string value)
    {
        if (request.Headers.TryGetValue(name, out var values))
        {
            value = values.Count == 1 ? values[0] ?? "" : values.ToString();
            return true;
        }

        value = "";
        return false;
    }
}
