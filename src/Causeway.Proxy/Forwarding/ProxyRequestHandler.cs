using System.Globalization;
using System.Text.RegularExpressions;
using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;
using Causeway.Proxy.Routing;
using Causeway.Proxy.Runtime;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// Handles one HTTP request on one listener: virtual host by Host, first matching route, then the route's action
/// (forward, redirect, direct response), CORS, header operations and rewrites. Local replies follow Envoy: 404 for no
/// route (NR), 503 for a missing cluster (NC), no healthy host (UH), a failed connection (UF); 426 for HTTP/1.0 to a
/// port declared HTTP.
/// </summary>
public sealed class ProxyRequestHandler(ProxyState state, ProxyStats stats, Random? random = null)
{
    private readonly Random random = random ?? Random.Shared;

    public async Task HandleAsync(HttpContext ctx, string listenerName)
    {
        var snapshot = state.Current;
        if (snapshot is null || !snapshot.Listeners.TryGetValue(listenerName, out var listener) ||
            !snapshot.RouteTables.TryGetValue(listener.RouteTable, out var table))
        {
            await Finish(ctx, "", 503, ResponseFlags.NoRoute, "no configuration").ConfigureAwait(false);
            return;
        }

        if (listener.ExplicitHttp && ctx.Request.Protocol == "HTTP/1.0")
        {
            // Istio: HTTP/1.0 to a port declared HTTP gets 426 Upgrade Required.
            await Finish(ctx, "", 426, ResponseFlags.None, "").ConfigureAwait(false);
            return;
        }

        var request = new HttpContextRouteRequest(ctx, (uint)(ctx.Connection.LocalPort > 0 ? listener.Port : 0));
        var vhost = table.FindVirtualHost(request.Authority);
        var route = vhost?.Match(ref request);
        if (route is null)
        {
            await Finish(ctx, "", 404, ResponseFlags.NoRoute, "").ConfigureAwait(false);
            return;
        }

        if (route.Route.Cors is { } cors && ctx.Request.Headers.Origin is { Count: > 0 } origin && Cors.Handle(ctx, cors, origin.ToString()))
        {
            stats.Record("", 200, ResponseFlags.None);
            return; // a preflight answered by the proxy
        }

        switch (route.Route.ActionCase)
        {
            case Route.ActionOneofCase.Redirect:
                Redirects.Write(ctx, route.Route.Redirect, request);
                stats.Record("", ctx.Response.StatusCode, ResponseFlags.None);
                return;
            case Route.ActionOneofCase.DirectResponse:
                HeaderRewriter.Apply(ctx.Response.Headers, route.Route.ResponseHeaders);
                ctx.Response.StatusCode = (int)route.Route.DirectResponse.Status;
                ctx.Response.ContentLength = route.Route.DirectResponse.Body.Length;
                await ctx.Response.Body.WriteAsync(route.Route.DirectResponse.Body.Memory, ctx.RequestAborted).ConfigureAwait(false);
                stats.Record("", ctx.Response.StatusCode, ResponseFlags.None);
                return;
            default:
                await ForwardAsync(ctx, snapshot, route, request).ConfigureAwait(false);
                return;
        }
    }

    private async Task ForwardAsync(HttpContext ctx, CompiledSnapshot snapshot, CompiledRoute route, HttpContextRouteRequest request)
    {
        var destination = route.TotalWeight == 0 ? null : route.Pick((uint)random.NextInt64(route.TotalWeight));
        if (destination is null || !snapshot.Clusters.TryGetValue(destination.Cluster, out var cluster))
        {
            await Finish(ctx, destination?.Cluster ?? "", 503, ResponseFlags.NoClusterFound, "").ConfigureAwait(false);
            return;
        }

        var endpoint = cluster.Healthy.Count == 0 ? null : cluster.Balancer.Pick(cluster.Healthy, HashFor(ctx, cluster), null);
        if (endpoint is null)
        {
            await Finish(ctx, cluster.Name, 503, ResponseFlags.NoHealthyUpstream, LocalReply.NoHealthyUpstream).ConfigureAwait(false);
            return;
        }

        if (route.Route.Cors is { } cors && ctx.Request.Headers.Origin is { Count: > 0 } origin)
        {
            // CORS headers must be on the response before its first byte goes out.
            var originText = origin.ToString();
            ctx.Response.OnStarting(() =>
            {
                Cors.Decorate(ctx, cors, originText);
                return Task.CompletedTask;
            });
        }

        var target = new UpstreamRequest(
            Rewrite(route.Route, request), RewriteAuthority(route.Route, request), ForwardedFor(ctx), RequestId(ctx), route.Route, destination);
        if (route.Route.Mirrors.Count > 0)
        {
            await Mirroring.StartAsync(ctx, snapshot, route.Route, random, target).ConfigureAwait(false);
        }

        endpoint.Begin();
        try
        {
            var result = await HttpForwarder.ForwardAsync(ctx, cluster, endpoint, target, ctx.RequestAborted).ConfigureAwait(false);
            stats.Record(cluster.Name, result.Status, result.Flag);
        }
        finally
        {
            endpoint.End();
        }
    }

    /// <summary>x-forwarded-for with the client's address appended (Envoy's use_remote_address for a sidecar).</summary>
    private static string ForwardedFor(HttpContext ctx)
    {
        var client = ctx.Connection.RemoteIpAddress?.ToString() ?? "";
        return ctx.Request.Headers.TryGetValue("x-forwarded-for", out var xff) && xff.Count > 0 ? string.Join(", ", xff.ToString(), client) : client;
    }

    private static string RequestId(HttpContext ctx) =>
        ctx.Request.Headers.TryGetValue("x-request-id", out var id) && id.Count > 0 && id[0] is { Length: > 0 } text ? text : RequestIds.Next();

    private static string Rewrite(Route route, HttpContextRouteRequest request)
    {
        var path = request.Path;
        var forward = route.Forward;
        if (forward.RewriteUri.Length == 0 && forward.RegexRewrite is null)
        {
            return request.Target;
        }

        if (forward.RewriteUri.Length > 0)
        {
            path = forward.RewriteMatchedPrefix.Length > 0 && path.StartsWith(forward.RewriteMatchedPrefix, StringComparison.Ordinal)
                ? forward.RewriteUri + path[forward.RewriteMatchedPrefix.Length..]
                : forward.RewriteUri;
        }
        else if (forward.RegexRewrite is { } rr)
        {
            path = RegexCache.Get(rr.Pattern).Replace(path, ToDotNetSubstitution(rr.Substitution));
        }

        return request.Query.Length == 0 ? path : path + "?" + request.Query;
    }

    private static string RewriteAuthority(Route route, HttpContextRouteRequest request) =>
        route.Forward.RewriteAuthority.Length > 0 ? route.Forward.RewriteAuthority : request.Authority;

    /// <summary>RE2 substitutions use <c>\1</c>; .NET uses <c>$1</c>.</summary>
    private static string ToDotNetSubstitution(string s) => Regex.Replace(s.Replace("$", "$$", StringComparison.Ordinal), @"\\(\d)", "$${$1}");

    /// <summary>The hash key of a consistent-hash cluster: header, cookie, source IP or query parameter.</summary>
    private static ulong? HashFor(HttpContext ctx, ClusterRuntime cluster)
    {
        if (cluster.Cluster.Hash is not { } hash)
        {
            return null;
        }

        string? key = hash.KeyCase switch
        {
            HashPolicy.KeyOneofCase.HeaderName => ctx.Request.Headers.TryGetValue(hash.HeaderName, out var h) ? h.ToString() : null,
            HashPolicy.KeyOneofCase.Cookie => Cookies.GetOrCreate(ctx, hash.Cookie),
            HashPolicy.KeyOneofCase.SourceIp => ctx.Connection.RemoteIpAddress?.ToString(),
            HashPolicy.KeyOneofCase.QueryParameter => QueryParameters.TryGet(ctx.Request.QueryString.Value?.TrimStart('?') ?? "", hash.QueryParameter, out var q) ? q : null,
            _ => null,
        };
        return key is null ? null : HashKey.Of(key);
    }

    private async Task Finish(HttpContext ctx, string cluster, int status, string flag, string body)
    {
        await LocalReply.WriteAsync(ctx, status, body).ConfigureAwait(false);
        stats.Record(cluster, status, flag);
    }

    internal static string PortText(uint port) => port.ToString(CultureInfo.InvariantCulture);
}
