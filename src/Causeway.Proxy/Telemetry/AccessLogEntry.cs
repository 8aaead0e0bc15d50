namespace Causeway.Proxy.Telemetry;

/// <summary>One request as Envoy's access log describes it (the fields of Istio's default format).</summary>
public sealed record AccessLogEntry(
    DateTimeOffset StartTime,
    string Method,
    string Path,
    string Protocol,
    int ResponseCode,
    string ResponseFlags,
    string ResponseCodeDetails,
    long BytesReceived,
    long BytesSent,
    long DurationMs,
    string ForwardedFor,
    string UserAgent,
    string RequestId,
    string Authority,
    string UpstreamHost,
    string UpstreamCluster,
    string DownstreamLocalAddress,
    string DownstreamRemoteAddress,
    string RequestedServerName,
    string RouteName);
