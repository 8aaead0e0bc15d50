using Microsoft.AspNetCore.Http;

namespace Causeway.ControlPlane.Dashboard;

/// <summary>The dashboard's routes on the status port: the page, its files and its two API calls (GET only).</summary>
public static class DashboardEndpoints
{
    public static async Task<bool> TryServeAsync(HttpContext ctx, MeshDashboard dashboard)
    {
        var path = ctx.Request.Path.Value ?? "";
        if (path is not ("/" or "/dashboard" or "/dashboard/") && !path.StartsWith("/dashboard/", StringComparison.Ordinal) && !path.StartsWith("/api/", StringComparison.Ordinal))
        {
            return false;
        }

        if (!HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsHead(ctx.Request.Method))
        {
            ctx.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            ctx.Response.Headers.Allow = "GET, HEAD";
            return true;
        }

        ctx.Response.Headers.CacheControl = "no-store";
        switch (path)
        {
            case "/api/graph":
                await Json(ctx, 200, dashboard.GraphJson()).ConfigureAwait(false);
                return true;
            case "/api/service":
                var host = ctx.Request.Query["host"].ToString();
                var body = host.Length == 0 ? null : dashboard.ServiceJson(host);
                await Json(ctx, body is null ? 404 : 200, body ?? $"{{\"error\":\"no service {System.Text.Json.JsonEncodedText.Encode(host)} in the registry\"}}").ConfigureAwait(false);
                return true;
        }

        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            await Json(ctx, 404, "{\"error\":\"API: /api/graph, /api/service?host=HOST\"}").ConfigureAwait(false);
            return true;
        }

        var name = path is "/" or "/dashboard" or "/dashboard/" ? "index.html" : path["/dashboard/".Length..];
        if (name.Contains('/', StringComparison.Ordinal) || MeshDashboard.Asset(name) is not { } asset)
        {
            ctx.Response.StatusCode = 404;
            return true;
        }

        ctx.Response.ContentType = asset.ContentType;
        ctx.Response.ContentLength = asset.Body.Length;
        await ctx.Response.Body.WriteAsync(asset.Body).ConfigureAwait(false);
        return true;
    }

    private static async Task Json(HttpContext ctx, int status, string body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body).ConfigureAwait(false);
    }
}
