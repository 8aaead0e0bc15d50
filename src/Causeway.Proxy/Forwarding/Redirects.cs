using Causeway.Protocol.V1;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// Istio's HTTPRedirect: <c>uri</c> replaces the whole path (or <c>prefixRewrite</c> the matched prefix), the query is
/// kept; scheme, authority and port may change (derivePort: the protocol's default port, or the request's); the code
/// defaults to 301. Per routing.go: Host <c>b</c> on port 80 gives <c>http://b/foo</c>; Host <c>b:80</c> gives <c>http://b:80/foo</c>.
/// </summary>
internal static class Redirects
{
    public static void Write(HttpContext ctx, Redirect redirect, HttpContextRouteRequest request)
    {
        var scheme = redirect.Scheme.Length > 0 ? redirect.Scheme : request.Scheme;
        var authority = request.Authority;
        var colon = authority.LastIndexOf(':');
        var hasPort = colon > 0 && authority.IndexOf(']', StringComparison.Ordinal) < colon;
        var host = hasPort ? authority[..colon] : authority;
        var port = hasPort ? authority[(colon + 1)..] : "";
        if (redirect.Authority.Length > 0)
        {
            host = redirect.Authority;
            port = "";
        }

        if (redirect.Port > 0)
        {
            port = ProxyRequestHandler.PortText(redirect.Port);
        }
        else if (redirect.DerivePort == RedirectPort.FromRequestPort)
        {
            port = ProxyRequestHandler.PortText((uint)ctx.Connection.LocalPort);
        }
        else if (redirect.DerivePort == RedirectPort.FromProtocolDefault)
        {
            port = "";
        }

        var path = request.Path;
        if (redirect.Uri.Length > 0)
        {
            path = redirect.Uri;
        }
        else if (redirect.PrefixRewrite.Length > 0 && redirect.MatchedPrefix.Length > 0 && path.StartsWith(redirect.MatchedPrefix, StringComparison.Ordinal))
        {
            path = redirect.PrefixRewrite + path[redirect.MatchedPrefix.Length..];
        }

        var query = request.Query.Length > 0 && !path.Contains('?', StringComparison.Ordinal) ? "?" + request.Query : "";
        var portPart = port.Length == 0 || (scheme == "http" && port == "80" && redirect.DerivePort != RedirectPort.FromRequestPort && !hasPort) ||
                       (scheme == "https" && port == "443" && redirect.DerivePort != RedirectPort.FromRequestPort && !hasPort)
            ? ""
            : ":" + port;
        ctx.Response.StatusCode = (int)redirect.Code;
        ctx.Response.Headers.Location = $"{scheme}://{host}{portPart}{path}{query}";
        ctx.Response.ContentLength = 0;
    }

    /// <summary>Envoy's require_tls redirect: 301 to <c>https://</c> with the Host header and path (and query) unchanged.</summary>
    public static void WriteHttpsRedirect(HttpContext ctx, HttpContextRouteRequest request)
    {
        ctx.Response.StatusCode = 301;
        ctx.Response.Headers.Location = request.Query.Length > 0
            ? $"https://{request.Authority}{request.Path}?{request.Query}"
            : $"https://{request.Authority}{request.Path}";
        ctx.Response.ContentLength = 0;
    }
}
