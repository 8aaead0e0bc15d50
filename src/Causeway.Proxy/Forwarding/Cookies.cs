using Causeway.Protocol.V1;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// Cookie-based consistent hashing: the cookie's value is the key; when the cookie is absent and a ttl is
/// configured, the proxy generates one and sets it on the response (ttl 0 makes a session cookie), as Envoy does.
/// </summary>
internal static class Cookies
{
    public static string? GetOrCreate(HttpContext ctx, CookieHash cookie)
    {
        if (ctx.Request.Cookies.TryGetValue(cookie.Name, out var value) && !string.IsNullOrEmpty(value))
        {
            return value;
        }

        if (cookie.TtlMs < 0)
        {
            return null;
        }

        value = Guid.NewGuid().ToString("N");
        var options = new CookieOptions { Path = cookie.Path.Length > 0 ? cookie.Path : "/", HttpOnly = true };
        if (cookie.TtlMs > 0)
        {
            options.MaxAge = TimeSpan.FromMilliseconds(cookie.TtlMs);
        }

        ctx.Response.Cookies.Append(cookie.Name, value, options);
        return value;
    }
}
