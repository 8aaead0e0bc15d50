using System.Collections.Concurrent;
using Causeway.Translation.Mesh;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// The outbound half of sidecar snapshots, shared (Istio's SidecarScope idea): every sidecar in a namespace with the
/// same locality, and the same labels when the mesh has config that looks at workload labels (Sidecar or
/// DestinationRule workloadSelector, sourceLabels, failoverPriority), reaches the same services the same way, so
/// its listeners, routes, clusters and endpoints are translated once per mesh state and shared by reference. Only
/// the inbound half and the identity are per proxy. Built lazily, one per scope, per mesh state.
/// </summary>
internal sealed class OutboundScopes(MeshState mesh)
{
    private readonly ConcurrentDictionary<string, Lazy<Part>> parts = new(StringComparer.Ordinal);
    private readonly bool labelsMatter = UsesWorkloadLabels(mesh);

    public static OutboundScopes For(MeshState mesh) => mesh.Cached(static m => new OutboundScopes(m));

    public Part Get(ProxyRequest proxy)
    {
        var key = labelsMatter
            ? $"{proxy.Namespace}|{proxy.Locality}|{proxy.Captured}|{string.Join(",", proxy.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value))}"
            : $"{proxy.Namespace}|{proxy.Locality}|{proxy.Captured}";
        return parts.GetOrAdd(key, _ => new Lazy<Part>(() => Build(proxy))).Value;
    }

    private Part Build(ProxyRequest proxy)
    {
        var part = new ProxySnapshot();
        var clusters = new ClusterSet(mesh, DestinationRuleIndex.For(mesh), proxy);
        SidecarListeners.BuildOutbound(mesh, VirtualServiceIndex.For(mesh), proxy, part, clusters);
        clusters.WriteTo(part);
        return new Part(part, SnapshotVersion.Of(part), SnapshotVersion.OfStructure(part));
    }

    private static bool UsesWorkloadLabels(MeshState mesh) =>
        mesh.Sidecars.Any(s => s.Resource.Spec.WorkloadSelector?.Labels is { Count: > 0 }) ||
        mesh.DestinationRules.Any(d => d.Resource.Spec.WorkloadSelector?.MatchLabels is { Count: > 0 } ||
                                       HasFailoverPriority(d.Resource.Spec.TrafficPolicy)) ||
        mesh.VirtualServices.Any(v =>
            (v.Resource.Spec.Http ?? []).Any(r => (r.Match ?? []).Any(m => m.SourceLabels is { Count: > 0 })) ||
            (v.Resource.Spec.Tcp ?? []).Any(r => (r.Match ?? []).Any(m => m.SourceLabels is { Count: > 0 })) ||
            (v.Resource.Spec.Tls ?? []).Any(r => (r.Match ?? []).Any(m => m.SourceLabels is { Count: > 0 })));

    private static bool HasFailoverPriority(Api.Model.Networking.TrafficPolicy? policy) =>
        policy is not null && (policy.LoadBalancer?.LocalityLbSetting?.FailoverPriority is { Count: > 0 } ||
                               (policy.PortLevelSettings ?? []).Any(p => p.LoadBalancer?.LocalityLbSetting?.FailoverPriority is { Count: > 0 }));

    /// <summary>An outbound half with its content hashes (with and without endpoints).</summary>
    public sealed record Part(ProxySnapshot Snapshot, string Version, string Structure);
}
