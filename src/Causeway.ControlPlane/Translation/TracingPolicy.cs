using Causeway.Api.Model.Telemetry;
using Causeway.ControlPlane.Mesh;
using Causeway.ControlPlane.Registry;
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
        var telemetries = mesh.Resources.Select(r => r.Resource).OfType<Telemetry>().Where(t => t.Spec.Tracing is { Count: > 0 }).ToList();
        var chosen =
            telemetries.FirstOrDefault(t => mesh.Names.NamespaceOf(t) == proxy.Namespace && t.Spec.Selector?.MatchLabels is { Count: > 0 } l && ServiceEntryRegistry.Matches(l, proxy.Labels))
            ?? telemetries.FirstOrDefault(t => mesh.Names.NamespaceOf(t) == proxy.Namespace && t.Spec.Selector?.MatchLabels is null or { Count: 0 })
            ?? telemetries.FirstOrDefault(t => mesh.Names.NamespaceOf(t) == mesh.Names.RootNamespace && t.Spec.Selector?.MatchLabels is null or { Count: 0 });
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
