using Microsoft.AspNetCore.Http.Features;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// Turns a finished request into an access log entry when the snapshot asks for one on this side (client: outbound
/// and gateway listeners; server: inbound) and its CEL filter, if any, holds. Nothing is built when logging is off, so it
/// costs nothing then.
/// </summary>
internal static class AccessLogging
{
    public static void Log(CompiledAccessLog? log, in FinishedRequest finished)
    {
        if (log is null || !log.Logs(finished.Direction))
        {
            return;
        }

        var ctx = finished.Context;
        var (status, flag, cluster, endpoint, requestId) = (finished.Status, finished.Flags, finished.ClusterName, finished.Endpoint, finished.RequestId);
        var (bytesReceived, bytesSent) = (finished.RequestBytes, finished.ResponseBytes);
        var request = ctx.Request;
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(finished.Start);
        var details = finished.Details.Length > 0 ? finished.Details : Details(flag, finished.FromUpstream);
        var route = RouteToken(finished.RouteName);
        if (log.FilterFor(finished.Direction) is { } filter &&
            !filter.Matches(new RequestAttributes(ctx, status, flag, details, cluster, endpoint, route, bytesReceived, bytesSent, elapsed, requestId)))
        {
            return; // Telemetry accessLogging filter: only the requests it holds for are logged
        }

        var target = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString;
        log.Writer.Log(new AccessLogEntry(
            DateTimeOffset.UtcNow - elapsed,
            request.Method,
            target,
            request.Protocol,
            status,
            flag,
            details,
            bytesReceived,
            bytesSent,
            (long)elapsed.TotalMilliseconds,
            request.Headers["x-forwarded-for"].ToString(),
            request.Headers.UserAgent.ToString(),
            requestId.Length > 0 ? requestId : request.Headers["x-request-id"].ToString(),
            request.Host.Value ?? "",
            endpoint?.Key ?? "",
            cluster,
            $"{ctx.Connection.LocalIpAddress}:{ctx.Connection.LocalPort}",
            $"{ctx.Connection.RemoteIpAddress}:{ctx.Connection.RemotePort}",
            ctx.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>()?.HostName ?? "",
            route));
    }

    /// <summary>
    /// Envoy's %ROUTE_NAME% as Istio sets it: the http rule's name when it has one, "default" for a service's default
    /// route, else nothing. (Causeway's own route names, "ns/vs#index name", are for explain and the admin view.)
    /// </summary>
    private static string RouteToken(string name)
    {
        var space = name.IndexOf(' ', StringComparison.Ordinal);
        return space >= 0 ? name[(space + 1)..] : name == "default" ? name : "";
    }

    /// <summary>Envoy's %RESPONSE_CODE_DETAILS% for what Causeway does.</summary>
    private static string Details(string flag, bool fromUpstream) => flag switch
    {
        _ when fromUpstream => "via_upstream",
        ResponseFlags.NoRoute => "route_not_found",
        ResponseFlags.NoClusterFound => "cluster_not_found",
        ResponseFlags.RateLimited => "local_rate_limited",
        ResponseFlags.DownstreamProtocolError => "protocol_error",
        ResponseFlags.StreamIdleTimeout => "stream_idle_timeout",
        ResponseFlags.DownstreamConnectionTermination => "downstream_remote_disconnect",
        _ when flag.Contains(ResponseFlags.FaultInjected, StringComparison.Ordinal) => "fault_filter_abort",
        _ when flag.StartsWith(ResponseFlags.NoHealthyUpstream, StringComparison.Ordinal) => "no_healthy_upstream",
        _ when flag.StartsWith(ResponseFlags.UpstreamConnectionFailure, StringComparison.Ordinal) => "upstream_reset_before_response_started{connection_failure}",
        _ when flag.StartsWith(ResponseFlags.UpstreamOverflow, StringComparison.Ordinal) => "upstream_reset_before_response_started{overflow}",
        _ when flag.StartsWith(ResponseFlags.UpstreamRequestTimeout, StringComparison.Ordinal) => "response_timeout",
        _ when flag.StartsWith(ResponseFlags.UpstreamConnectionTermination, StringComparison.Ordinal) => "upstream_reset_before_response_started{connection_termination}",
        _ when flag.StartsWith(ResponseFlags.UpstreamRemoteReset, StringComparison.Ordinal) => "upstream_reset_after_response_started{remote_reset}",
        _ => "direct_response",
    };
}
