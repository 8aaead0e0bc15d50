using Causeway.Proxy.Routing;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// Istio's CORS policy as Envoy applies it: a preflight (OPTIONS with Origin and Access-Control-Request-Method) from
/// an allowed origin is answered by the proxy with the allowed methods, headers and max age; an actual request from an
/// allowed origin gets Access-Control-Allow-Origin (the origin echoed back) and the exposed headers. Origins that do
/// not match get no CORS headers; unmatched preflights are forwarded unless the policy says IGNORE.
/// </summary>
internal static class Cors
{
    /// <summary>True when the request was a preflight answered here.</summary>
    public static bool Handle(HttpContext ctx, CorsOrigins policy, string origin)
    {
        var isPreflight = HttpMethods.IsOptions(ctx.Request.Method) && ctx.Request.Headers.ContainsKey("Access-Control-Request-Method");
        if (!isPreflight)
        {
            return false;
        }

        if (!policy.Allows(origin))
        {
            if (!policy.IgnoreUnmatchedPreflights)
            {
                return false;
            }

            ctx.Response.StatusCode = 200;
            ctx.Response.ContentLength = 0;
            return true;
        }

        var headers = ctx.Response.Headers;
        headers.AccessControlAllowOrigin = origin;
        if (policy.AllowMethods is { } methods)
        {
            headers.AccessControlAllowMethods = methods;
        }

        if (policy.AllowHeaders is { } allowHeaders)
        {
            headers.AccessControlAllowHeaders = allowHeaders;
        }

        if (policy.MaxAge is { } maxAge)
        {
            headers.AccessControlMaxAge = maxAge;
        }

        if (policy.AllowCredentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentLength = 0;
        return true;
    }

    /// <summary>Adds CORS headers to an actual (non-preflight) response when the origin is allowed.</summary>
    public static void Decorate(HttpContext ctx, CorsOrigins policy, string origin)
    {
        if (!policy.Allows(origin))
        {
            return;
        }

        ctx.Response.Headers.AccessControlAllowOrigin = origin;
        if (policy.ExposeHeaders is { } expose)
        {
            ctx.Response.Headers.AccessControlExposeHeaders = expose;
        }

        if (policy.AllowCredentials)
        {
            ctx.Response.Headers.AccessControlAllowCredentials = "true";
        }
    }
}
