using Causeway.ControlPlane.Mesh;
using Causeway.Protocol.V1;

namespace Causeway.ControlPlane.Translation;

/// <summary>
/// Whether a proxy traces, as Istio's Telemetry API decides it: the most specific Telemetry with <c>tracing</c> wins
/// (selecting the workload, then its namespace, then the root namespace); its first entry's provider and
/// <c>randomSamplingPercentage</c> (Istio's default 1%) apply; <c>disableSpanReporting</c> keeps propagation but
/// reports nothing.
/// </summary>
internal static class TracingPolicy
{
    public static TracingConfig? For(MeshState mesh, ProxyRequest proxy)
    {
        var chosen = TelemetryScope.MostSpecific(mesh, proxy, spec => spec.Tracing is { Count: > 0 });
        var entry = chosen?.Spec.Tracing![0];
        if (entry is null)
        {
            return null;
        }

        return new TracingConfig
        {
            SamplingPercent = Math.Clamp(entry.RandomSamplingPercentage ?? 1.0, 0, 100),
            Provider = entry.Providers?.FirstOrDefault()?.Name ?? "",
            ReportSpans = entry.DisableSpanReporting != true,
        };
    }
}
