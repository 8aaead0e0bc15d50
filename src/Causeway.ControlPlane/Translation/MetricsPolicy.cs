using Causeway.Api.Model.Telemetry;
using Causeway.ControlPlane.Mesh;

namespace Causeway.ControlPlane.Translation;

/// <summary>
/// Whether a proxy reports Istio's standard metrics: on by default; the most specific Telemetry with <c>metrics</c>
/// decides (selecting the workload, then its namespace, then the root namespace), and an override with
/// <c>disabled: true</c> for all metrics (no match, or <c>metric: ALL_METRICS</c>, in both modes) turns them off,
/// as Istio's "disable metrics" recipe does. Disabling single metrics or one mode is named in a notice.
/// </summary>
internal static class MetricsPolicy
{
    public static bool Disabled(MeshState mesh, ProxyRequest proxy, IList<string> notices)
    {
        var chosen = TelemetryScope.MostSpecific(mesh, proxy, spec => spec.Metrics is { Count: > 0 });
        var disabled = false;
        foreach (var over in chosen?.Spec.Metrics?.SelectMany(m => m.Overrides ?? []) ?? [])
        {
            if (over.Disabled != true)
            {
                continue;
            }

            if (over.Match is null || (over.Match is { Metric: null or IstioMetric.AllMetrics, CustomMetric: null } && over.Match.Mode is null or WorkloadMode.ClientAndServer))
            {
                disabled = true;
            }
            else
            {
                notices.Add($"Telemetry {mesh.Names.NamespaceOf(chosen!)}/{chosen!.Name}: disabling single metrics or one side is not supported; only all metrics can be turned off");
            }
        }

        return disabled;
    }
}
