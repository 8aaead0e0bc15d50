using System.Diagnostics;
using System.Globalization;
using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;
using Causeway.Proxy.Resilience;
using Causeway.Proxy.Routing;
using Causeway.Proxy.Runtime;
using Causeway.Proxy.Security.Authorization;
using Causeway.Proxy.Telemetry;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

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

    /// <summary>A TLS connection routes by the table of the Gateway server its handshake chose; others by the listener's.</summary>
    private static string RouteTableOf(HttpContext ctx, Listener listener) =>
        listener.Tls is not null && ctx.Features.Get<Listeners.ChosenServerFeature>() is { } chosen ? chosen.RouteTable : listener.RouteTable;

    /// <summary>
    /// Not async itself, nor is the forwarding step below: each async layer costs an allocated state machine per
    /// request, so the only one on the common path is the forwarder's.
    /// </summary>
    public Task HandleAsync(HttpContext ctx, Telemetry.ListenerCounters counters)
    {
        var listenerName = counters.Name;
        var start = Stopwatch.GetTimestamp();
        var snapshot = state.Current;
        if (snapshot is null || !snapshot.Listeners.TryGetValue(listenerName, out var listener) ||
            !snapshot.RouteTables.TryGetValue(RouteTableOf(ctx, listener), out var table))
        {
            return Finish(ctx, new RequestScope(snapshot, null, start, counters), "", 503, ResponseFlags.NoRoute, "no configuration");
        }

        var scope = new RequestScope(snapshot, listener, start, counters);

        if (AmbiguousFraming(ctx.Request))
        {
            // Envoy rejects Content-Length with Transfer-Encoding (http1.content_length_and_chunked_not_allowed).
            ctx.Response.Headers.Connection = "close";
            return Finish(ctx, scope, "", 400, ResponseFlags.DownstreamProtocolError, "Bad Request");
        }

        if (DownstreamChecks.Check(ctx, ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "", out var upgrade) is { } refusal)
        {
            if (refusal.Status == 400)
            {
                ctx.Response.Headers.Connection = "close"; // a codec error: Envoy closes the connection after answering
            }

            return Finish(ctx, scope, "", refusal.Status, refusal.Flags, "", refusal.Details);
        }

        if (snapshot.Security is { } security && RequestSecurityEnforcement.AppliesTo(listener))
        {
            return AuthenticateThenRouteAsync(ctx, scope, security, table, upgrade);
        }

        return RouteRequest(ctx, scope, table, upgrade);
    }

    /// <summary>
    /// Envoy's filter order on the inbound side: jwt_authn (401 for a bad token), then rbac (403 "RBAC: access
    /// denied"), then routing. Async only here, where a policy applies.
    /// </summary>
    private async Task AuthenticateThenRouteAsync(HttpContext ctx, RequestScope scope, RequestSecurityEnforcement security, CompiledRouteTable table, UpgradeRequest upgrade)
    {
        var (identity, failure) = security.Jwt.IsEmpty ? (null, null) : await security.Jwt.AuthenticateAsync(ctx.Request).ConfigureAwait(false);
        if (failure is not null)
        {
            ctx.Response.Headers.WWWAuthenticate = $"Bearer realm=\"http://{ctx.Request.Host}{ctx.Request.Path}\", error=\"invalid_token\"";
            await Finish(ctx, scope, "", 401, ResponseFlags.None, failure.Message, failure.Details).ConfigureAwait(false);
            return;
        }

        if (!security.Http.IsEmpty)
        {
            var request = new HttpContextRouteRequest(ctx, scope.Listener!.Port, scope.Snapshot!.PathNormalization);
            var (principal, peerNamespace) = Security.MeshPeer.Of(ctx.Connection.ClientCertificate);
            var decision = security.Http.Decide(new AuthorizationInput
            {
                IsHttp = true,
                Principal = principal,
                PeerNamespace = peerNamespace,
                SourceIp = ctx.Connection.RemoteIpAddress?.ToString() ?? "",
                RemoteIp = TrustedClientAddress.From(ctx.Request.Headers["x-forwarded-for"].ToString(), security.TrustedProxies, ctx.Connection.RemoteIpAddress?.ToString() ?? ""),
                DestinationIp = ctx.Connection.LocalIpAddress?.ToString() ?? "",
                DestinationPort = scope.Listener.Port,
                ServerName = ctx.Features.Get<ITlsHandshakeFeature>()?.HostName,
                Method = request.Method,
                Path = request.Path,
                Host = request.Authority,
                Header = name => ctx.Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null,
                Jwt = identity,
            });
            if (!decision.Allowed)
            {
                await Finish(ctx, scope, "", 403, ResponseFlags.None, "RBAC: access denied", decision.Reason).ConfigureAwait(false);
                return;
            }
        }

        await RouteRequest(ctx, scope, table, upgrade).ConfigureAwait(false);
    }

    private Task RouteRequest(HttpContext ctx, RequestScope scope, CompiledRouteTable table, UpgradeRequest upgrade)
    {
        var snapshot = scope.Snapshot!;
        var listener = scope.Listener!;
        var listenerName = listener.Name;
        if (snapshot.ListenerRateLimits.Count > 0 && snapshot.ListenerRateLimits.TryGetValue(listenerName, out var listenerBucket) &&
            !RateLimited(ctx, scope, listenerBucket, null, out var refused))
        {
            return refused;
        }

        if (listener.ExplicitHttp && ctx.Request.Protocol == "HTTP/1.0")
        {
            // Istio: HTTP/1.0 to a port declared HTTP gets 426 Upgrade Required.
            return Finish(ctx, scope, "", 426, ResponseFlags.None, "");
        }

        var request = new HttpContextRouteRequest(ctx, (uint)(ctx.Connection.LocalPort > 0 ? listener.Port : 0), snapshot.PathNormalization);
        var vhost = table.FindVirtualHost(request.Authority);
        if (vhost is { Source.OriginalDestinationOnly: true } && ctx.Features.Get<IOriginalDestinationFeature>()?.Destination is null)
        {
            vhost = null; // ALLOW_ANY passes captured traffic on; a connection made to the proxy directly has nowhere to go
        }

        if (vhost is { Source.RequireTls: true } && !ctx.Request.IsHttps)
        {
            // Gateway httpsRedirect: Envoy's require_tls ALL answers before any route is consulted.
            Redirects.WriteHttpsRedirect(ctx, request);
            Report(ctx, scope, 301);
            return Task.CompletedTask;
        }

        var route = vhost?.Match(ref request);
        if (route is null)
        {
            return Finish(ctx, scope, "", 404, ResponseFlags.NoRoute, "");
        }

        if (route.Cors is { } cors && ctx.Request.Headers.Origin is { Count: > 0 } origin && Cors.Handle(ctx, cors, origin.ToString()))
        {
            Report(ctx, scope, 200);
            return Task.CompletedTask; // a preflight answered by the proxy
        }

        switch (route.Route.ActionCase)
        {
            case Route.ActionOneofCase.Redirect:
                Redirects.Write(ctx, route.Route.Redirect, request);
                Report(ctx, scope, ctx.Response.StatusCode);
                return Task.CompletedTask;
            case Route.ActionOneofCase.DirectResponse:
                route.ResponseHeaders?.Apply(ctx.Response.Headers);
                ctx.Response.StatusCode = (int)route.Route.DirectResponse.Status;
                ctx.Response.ContentLength = route.Route.DirectResponse.Body.Length;
                Report(ctx, scope, ctx.Response.StatusCode);
                return ctx.Response.Body.WriteAsync(route.Route.DirectResponse.Body.Memory, ctx.RequestAborted).AsTask();
            default:
                return Forward(ctx, scope, snapshot, route, request, upgrade);
        }
    }

    private Task Forward(HttpContext ctx, RequestScope scope, CompiledSnapshot snapshot, CompiledRoute route, HttpContextRouteRequest request, UpgradeRequest upgrade)
    {
        var destination = route.TotalWeight == 0 ? null : route.Pick((uint)random.NextInt64(route.TotalWeight));
        if (destination is null || !snapshot.Clusters.TryGetValue(destination.Cluster, out var cluster))
        {
            return Finish(ctx, scope, destination?.Cluster ?? "", 503, ResponseFlags.NoClusterFound, "");
        }

        var policy = route.Policy;
        if (policy.RateLimit is { } bucket && !RateLimited(ctx, scope, bucket, cluster, out var rejected))
        {
            return rejected;
        }

        if (route.Cors is { } cors && ctx.Request.Headers.Origin is { Count: > 0 } origin)
        {
            DecorateWithCors(ctx, cors, origin.ToString());
        }

        var target = new UpstreamRequest(
            Rewrite(route, request), route.RewriteAuthority ?? request.Authority, ForwardedFor(ctx), RequestId(ctx), route, destination)
        {
            WebSocket = upgrade == UpgradeRequest.WebSocket,
            // the outbound side sends none and need not look up the connection's TLS feature on its hot path
            ForwardedClientCert = scope.Direction == TrafficDirection.Outbound ? null : Security.ForwardedClientCert.For(
                scope.Direction, ctx.Request, ctx.Connection.ClientCertificate, scope.Direction == TrafficDirection.Inbound ? state.Certificates.Current?.Certificate : null),
        };
        System.Diagnostics.Activity? span = null;
        if (snapshot.Source.Tracing is { } tracing)
        {
            (span, target.TraceHeaders) = stats.Tracer.Start(ctx, tracing, scope.Direction, random);
        }

        var env = new ForwardContext(stats, random, HashFor(ctx, cluster), snapshot, scope.Direction, scope.Start, scope.Counters, span);
        return route.Route.Mirrors.Count > 0
            ? MirrorThenForwardAsync(ctx, snapshot, route.Route, cluster, target, policy, env)
            : HttpForwarder.ForwardAsync(ctx, cluster, target, policy, env);
    }

    private async Task MirrorThenForwardAsync(HttpContext ctx, CompiledSnapshot snapshot, Route route, ClusterRuntime cluster, UpstreamRequest target, RoutePolicy policy, ForwardContext env)
    {
        await Mirroring.StartAsync(ctx, snapshot, route, random, target).ConfigureAwait(false);
        await HttpForwarder.ForwardAsync(ctx, cluster, target, policy, env).ConfigureAwait(false);
    }

    /// <summary>
    /// The route's local rate limit (Causeway's extension): without a token the answer is 429 with flag RL,
    /// <c>x-envoy-ratelimited</c> and the draft-03 <c>x-ratelimit-*</c> headers Envoy sends when asked to.
    /// </summary>
    private bool RateLimited(HttpContext ctx, RequestScope scope, TokenBucket bucket, ClusterRuntime? cluster, out Task rejected)
    {
        var taken = bucket.TryTake(state.Time.GetUtcNow(), out var remaining, out var untilFill);
        var headers = ctx.Response.Headers;
        headers["x-ratelimit-limit"] = bucket.MaxTokens.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-reset"] = ((long)Math.Ceiling(untilFill.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        if (taken)
        {
            rejected = Task.CompletedTask;
            return true;
        }

        cluster?.State.Counters.RateLimit();
        headers["x-envoy-ratelimited"] = "true";
        rejected = Finish(ctx, scope, cluster?.Name ?? "", 429, ResponseFlags.RateLimited, LocalReply.RateLimited);
        return false;
    }

    /// <summary>
    /// An HTTP/1.1 request that came with both Content-Length and Transfer-Encoding, the shape of a smuggling attempt.
    /// Kestrel lets chunked framing win, closes the connection afterwards and keeps the dropped Content-Length as
    /// X-Content-Length: that header next to Transfer-Encoding is how the conflict shows here.
    /// </summary>
    private static bool AmbiguousFraming(HttpRequest request) =>
        request.Headers.ContainsKey("X-Content-Length") && request.Headers.ContainsKey("Transfer-Encoding") &&
        request.Protocol is "HTTP/1.1" or "HTTP/1.0";

    /// <summary>x-forwarded-for with the client's address appended (Envoy's use_remote_address for a sidecar).</summary>
    /// <summary>
    /// CORS headers must be on the response before its first byte goes out. A method of its own so the closure is
    /// allocated only for CORS requests (captured parameters make the compiler build it on entry).
    /// </summary>
    private static void DecorateWithCors(HttpContext ctx, CorsOrigins cors, string origin) =>
        ctx.Response.OnStarting(() =>
        {
            Cors.Decorate(ctx, cors, origin);
            return Task.CompletedTask;
        });

    private static string ForwardedFor(HttpContext ctx)
    {
        var client = ClientAddress(ctx);
        return ctx.Request.Headers.TryGetValue("x-forwarded-for", out var xff) && xff.Count > 0 ? string.Join(", ", xff.ToString(), client) : client;
    }

    /// <summary>The client's address as text, formatted once per connection rather than per request.</summary>
    private static string ClientAddress(HttpContext ctx)
    {
        if (ctx.Features.Get<IConnectionItemsFeature>()?.Items is not { } items)
        {
            return ctx.Connection.RemoteIpAddress?.ToString() ?? "";
        }

        if (items.TryGetValue(ClientAddressKey, out var cached) && cached is string text)
        {
            return text;
        }

        text = ctx.Connection.RemoteIpAddress?.ToString() ?? "";
        items[ClientAddressKey] = text;
        return text;
    }

    private static readonly object ClientAddressKey = new();

    private static string RequestId(HttpContext ctx) =>
        ctx.Request.Headers.TryGetValue("x-request-id", out var id) && id.Count > 0 && id[0] is { Length: > 0 } text ? text : RequestIds.Next();

    /// <summary>The path and query sent upstream: the request's target, or its path rewritten with the query kept.</summary>
    private static string Rewrite(CompiledRoute route, HttpContextRouteRequest request)
    {
        if (route.Rewrite is not { } rewrite)
        {
            return request.Target;
        }

        var path = rewrite.Apply(request.Path);
        return request.Query.Length == 0 ? path : path + "?" + request.Query;
    }

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

    private Task Finish(HttpContext ctx, RequestScope scope, string cluster, int status, string flag, string body, string details = "")
    {
        Report(ctx, scope, status, flag, cluster, details);
        return LocalReply.WriteAsync(ctx, status, body);
    }

    /// <summary>A response the proxy made itself, counted like a forwarded one (with no destination workload).</summary>
    private void Report(HttpContext ctx, RequestScope scope, int status, string flag = ResponseFlags.None, string cluster = "", string details = "")
    {
        var runtime = cluster.Length > 0 ? scope.Snapshot?.Clusters.GetValueOrDefault(cluster) : null;
        RequestRecorder.Record(stats, scope.Snapshot?.AccessLog, new FinishedRequest(ctx, scope.Snapshot?.Source, scope.Direction, scope.Start, scope.Counters)
        {
            Cluster = runtime?.Cluster,
            ClusterName = cluster,
            Status = status,
            Flags = flag,
            RequestBytes = ctx.Request.ContentLength ?? 0,
            ResponseBytes = ctx.Response.ContentLength ?? 0,
            Grpc = Protocol.Grpc.GrpcProtocol.IsGrpc(ctx.Request.ContentType),
            Details = details,
        });
    }

    /// <summary>What the metrics of one request need from where it arrived: the snapshot, the listener and when it began.</summary>
    private readonly record struct RequestScope(CompiledSnapshot? Snapshot, Listener? Listener, long Start, Telemetry.ListenerCounters Counters)
    {
        public TrafficDirection Direction => Listener?.Direction ?? TrafficDirection.Outbound;
    }

    internal static string PortText(uint port) => port.ToString(CultureInfo.InvariantCulture);
}
