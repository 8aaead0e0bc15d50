using Causeway.Api.Model.Networking;
using Causeway.ControlPlane.Mesh;
using Causeway.ControlPlane.Registry;

namespace Causeway.ControlPlane.Translation;

/// <summary>
/// The Sidecar resource that applies to a workload (Istio's order: one selecting the workload in its namespace, else
/// the namespace's selector-less one, else the root namespace's), and what it lets the proxy reach: egress hosts
/// <c>namespace/dnsName</c>, where the namespace is <c>*</c>, <c>.</c> (the workload's), <c>~</c> (none) or a name,
/// and the name is exact, <c>*</c> or <c>*.suffix</c>. Without a Sidecar, everything exported to the namespace is reachable.
/// </summary>
internal sealed class SidecarScope
{
    private readonly List<(string Ns, string Host)> egressHosts = [];

    public SidecarScope(MeshState mesh, ProxyRequest proxy)
    {
        var candidates = mesh.Sidecars.Select(s => (s.Resource, Ns: mesh.Names.NamespaceOf(s.Resource))).ToList();
        Resource =
            candidates.FirstOrDefault(c => c.Ns == proxy.Namespace && c.Resource.Spec.WorkloadSelector?.Labels is { Count: > 0 } l && ServiceEntryRegistry.Matches(l, proxy.Labels)).Resource
            ?? candidates.FirstOrDefault(c => c.Ns == proxy.Namespace && c.Resource.Spec.WorkloadSelector?.Labels is null or { Count: 0 }).Resource
            ?? candidates.FirstOrDefault(c => c.Ns == mesh.Names.RootNamespace && c.Resource.Spec.WorkloadSelector?.Labels is null or { Count: 0 }).Resource;
        foreach (var listener in Resource?.Spec.Egress ?? [])
        {
            foreach (var h in listener.Hosts ?? [])
            {
                var slash = h.IndexOf('/', StringComparison.Ordinal);
                var ns = h[..slash];
                egressHosts.Add((ns == "." ? proxy.Namespace : ns, h[(slash + 1)..].ToLowerInvariant()));
            }
        }
    }

    public Sidecar? Resource { get; }

    /// <summary>
    /// Where the outbound listener for a port binds, when the Sidecar has an egress listener for that port with a
    /// <c>bind</c> address (Istio's captureMode NONE setups: the application talks to the sidecar at that address).
    /// </summary>
    public string? EgressBind(uint port) =>
        Resource?.Spec.Egress?.FirstOrDefault(e => e.Port?.Number == port && !string.IsNullOrEmpty(e.Bind))?.Bind;

    public bool AllowsService(ServiceModel service)
    {
        if (Resource?.Spec.Egress is not { Count: > 0 })
        {
            return true;
        }

        return egressHosts.Any(e => e.Ns != "~" && (e.Ns == "*" || e.Ns == service.Namespace) &&
                                    (e.Host == "*" || DestinationRuleIndex.HostMatches(service.Hostname, e.Host)));
    }
}
