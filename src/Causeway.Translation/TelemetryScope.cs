using Causeway.Api.Model.Telemetry;
using Causeway.Translation.Mesh;
using Causeway.Translation.Registry;

namespace Causeway.Translation;

/// <summary>
/// Which Telemetry resource applies to a proxy for one kind of setting, as Istio picks it: among those that set it,
/// one in the proxy's namespace whose selector matches the workload, else one in its namespace without a selector,
/// else one in the root namespace without a selector. Metrics overrides instead add up down the hierarchy.
/// </summary>
internal static class TelemetryScope
{
    public static Telemetry? MostSpecific(MeshState mesh, ProxyRequest proxy, Func<TelemetrySpec, bool> sets) =>
        Hierarchy(mesh, proxy, sets) is [.., var last] ? last : null;

    /// <summary>
    /// Every Telemetry that applies to the proxy and sets it, least specific first: the root namespace's, the
    /// namespace's, then the one selecting the workload (Istio applies metrics overrides in this order, each level on
    /// top of the inherited ones).
    /// </summary>
    public static IReadOnlyList<Telemetry> Hierarchy(MeshState mesh, ProxyRequest proxy, Func<TelemetrySpec, bool> sets)
    {
        var telemetries = mesh.Resources.Select(r => r.Resource).OfType<Telemetry>().Where(t => sets(t.Spec)).ToList();
        var levels = new List<Telemetry?>
        {
            telemetries.FirstOrDefault(t => mesh.Names.NamespaceOf(t) == mesh.Names.RootNamespace && t.Spec.Selector?.MatchLabels is null or { Count: 0 }),
            proxy.Namespace == mesh.Names.RootNamespace ? null : telemetries.FirstOrDefault(t => mesh.Names.NamespaceOf(t) == proxy.Namespace && t.Spec.Selector?.MatchLabels is null or { Count: 0 }),
            telemetries.FirstOrDefault(t => mesh.Names.NamespaceOf(t) == proxy.Namespace && t.Spec.Selector?.MatchLabels is { Count: > 0 } l && ServiceEntryRegistry.Matches(l, proxy.Labels)),
        };
        return levels.OfType<Telemetry>().ToList();
    }
}
