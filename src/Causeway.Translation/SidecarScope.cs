using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;
using Causeway.Translation.Registry;

namespace Causeway.Translation;

/// <summary>
/// The Sidecar resource that applies to a workload (Istio's order: one selecting the workload in its namespace, else
/// the namespace's selector-less one, else the root namespace's), and what it lets the proxy reach: egress hosts
/// <c>namespace/dnsName</c>, where the namespace is <c>*</c>, <c>.</c> (the workload's), <c>~</c> (none) or a name,
/// and the name is exact, <c>*</c> or <c>*.suffix</c>. Without a Sidecar, everything exported to the namespace is reachable.
/// Ports follow Istio's egress listeners: one with a port covers only that port (with its hosts); one without a port
/// is the catch-all for the ports no other listener names; a port neither covers gets no listener.
/// </summary>
internal sealed class SidecarScope
{
    private readonly List<(uint? Port, List<(string Ns, string Host)> Hosts)> egress = [];

    public SidecarScope(MeshState mesh, ProxyRequest proxy)
    {
        var candidates = mesh.Sidecars.Select(s => (s.Resource, Ns: mesh.Names.NamespaceOf(s.Resource))).ToList();
        Resource =
            candidates.FirstOrDefault(c => c.Ns == proxy.Namespace && c.Resource.Spec.WorkloadSelector?.Labels is { Count: > 0 } l && ServiceEntryRegistry.Matches(l, proxy.Labels)).Resource
            ?? candidates.FirstOrDefault(c => c.Ns == proxy.Namespace && c.Resource.Spec.WorkloadSelector?.Labels is null or { Count: 0 }).Resource
            ?? candidates.FirstOrDefault(c => c.Ns == mesh.Names.RootNamespace && c.Resource.Spec.WorkloadSelector?.Labels is null or { Count: 0 }).Resource;
        foreach (var listener in Resource?.Spec.Egress ?? [])
        {
            var hosts = new List<(string Ns, string Host)>();
            foreach (var h in listener.Hosts ?? [])
            {
                var slash = h.IndexOf('/', StringComparison.Ordinal);
                var ns = h[..slash];
                hosts.Add((ns == "." ? proxy.Namespace : ns, h[(slash + 1)..].ToLowerInvariant()));
            }

            egress.Add((listener.Port?.Number is > 0 and var n ? n : null, hosts));
        }
    }

    public Sidecar? Resource { get; }

    /// <summary>Whether unknown destinations are blocked: the Sidecar's outboundTrafficPolicy, else the mesh's.</summary>
    public bool RegistryOnly(MeshSettings settings) => Resource?.Spec.OutboundTrafficPolicy?.Mode switch
    {
        OutboundTrafficMode.RegistryOnly => true,
        OutboundTrafficMode.AllowAny => false,
        _ => settings.OutboundTrafficPolicy == "REGISTRY_ONLY",
    };

    /// <summary>
    /// Where the outbound listener for a port binds, when the Sidecar has an egress listener for that port with a
    /// <c>bind</c> address (Istio's captureMode NONE setups: the application talks to the sidecar at that address).
    /// </summary>
    public string? EgressBind(uint port) =>
        Resource?.Spec.Egress?.FirstOrDefault(e => e.Port?.Number == port && !string.IsNullOrEmpty(e.Bind))?.Bind;

    /// <summary>Whether the proxy gets an outbound listener entry for this service on this port.</summary>
    public bool AllowsPort(ServiceModel service, uint port)
    {
        if (egress.Count == 0)
        {
            return true;
        }

        var forPort = egress.Where(e => e.Port == port).ToList();
        var applicable = forPort.Count > 0 ? forPort : egress.Where(e => e.Port is null).ToList();
        return applicable.Any(e => e.Hosts.Any(h => h.Ns != "~" && (h.Ns == "*" || h.Ns == service.Namespace) &&
                                                   (h.Host == "*" || DestinationRuleIndex.HostMatches(service.Hostname, h.Host))));
    }
}
