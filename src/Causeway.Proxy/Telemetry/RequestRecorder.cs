using System.Diagnostics;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// The one place a finished HTTP request is reported, whether forwarded or answered by the proxy itself: the proxy's
/// counters, the listener's, the span (tagged and ended), Istio's standard metrics and the access log.
/// </summary>
internal static class RequestRecorder
{
    public static void Record(ProxyStats stats, CompiledAccessLog? log, in FinishedRequest request)
    {
        stats.Record(request.ClusterName, request.Status, request.Flags);
        request.Listener.Request(request.Status);
        Tracer.End(request.Span, request);
        stats.Istio.RecordRequest(request, Stopwatch.GetElapsedTime(request.Start).TotalMilliseconds);
        AccessLogging.Log(log, request);
    }
}
