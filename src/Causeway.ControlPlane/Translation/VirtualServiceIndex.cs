using Causeway.Api.Loading;
using Causeway.Api.Model;
using Causeway.Api.Model.Networking;
using Causeway.ControlPlane.Mesh;

namespace Causeway.ControlPlane.Translation;

/// <summary>A VirtualService with its namespace and source, in creation order.</summary>
internal sealed record BoundVirtualService(LoadedResource Source, VirtualService Resource, string Namespace, IReadOnlyList<string> Hosts);

/// <summary>
/// Which VirtualServices apply where. Sidecars: one VirtualService per host, the oldest among those with the most
/// specific matching host (Istio does not merge them for the mesh: istio/istio#36621). Gateways: every VirtualService
/// bound to the gateway, merged in creation order.
/// </summary>
internal sealed class VirtualServiceIndex
{
    private readonly MeshState mesh;
    private readonly List<BoundVirtualService> all;

    public VirtualServiceIndex(MeshState mesh)
    {
        this.mesh = mesh;
        all = mesh.VirtualServices
            .Select(v => (v, ns: mesh.Names.NamespaceOf(v.Resource)))
            .OrderBy(x => x.v.Resource.Metadata.CreationTimestamp ?? "", StringComparer.Ordinal)
            .ThenBy(x => x.ns, StringComparer.Ordinal).ThenBy(x => x.v.Resource.Name, StringComparer.Ordinal)
            .Select(x => new BoundVirtualService(x.v.Source, x.v.Resource, x.ns, (x.v.Resource.Spec.Hosts ?? []).Select(h => mesh.Names.Fqdn(h, x.ns)).ToList()))
            .ToList();
    }

    /// <summary>The VirtualService that routes <paramref name="host"/> for sidecars in <paramref name="proxyNamespace"/>, if any.</summary>
    public BoundVirtualService? ForMesh(string host, string proxyNamespace)
    {
        BoundVirtualService? best = null;
        var bestSpecificity = -1;
        foreach (var vs in all)
        {
            if (vs.Hosts.Count == 0 || !vs.Resource.Spec.EffectiveGateways.Contains(IstioDefaults.MeshGateway) || !Visible(vs, proxyNamespace))
            {
                continue;
            }

            foreach (var h in vs.Hosts)
            {
                var specificity = h == host ? int.MaxValue : DestinationRuleIndex.HostMatches(host, h) ? h.Length : -1;
                if (specificity > bestSpecificity)
                {
                    best = vs;
                    bestSpecificity = specificity;
                }
            }
        }

        return best;
    }

    /// <summary>VirtualServices bound to any of the gateways (<c>ns/name</c>), visible in the gateway's namespace, in creation order.</summary>
    public IEnumerable<BoundVirtualService> ForGateways(IReadOnlySet<string> gatewayKeys, string gatewayNamespace) =>
        all.Where(vs => vs.Hosts.Count > 0 && Visible(vs, gatewayNamespace) &&
                        vs.Resource.Spec.EffectiveGateways.Any(g => gatewayKeys.Contains(GatewayKey(g, vs.Namespace))));

    /// <summary>A delegate VirtualService (one without hosts) by namespace and name.</summary>
    public BoundVirtualService? Delegate(string ns, string name) =>
        all.FirstOrDefault(vs => vs.Namespace == ns && vs.Resource.Name == name && vs.Hosts.Count == 0);

    /// <summary><c>ns/name</c> for a gateway reference; a bare name is in the VirtualService's namespace.</summary>
    public static string GatewayKey(string reference, string vsNamespace) =>
        reference.Contains('/', StringComparison.Ordinal) ? reference : $"{vsNamespace}/{reference}";

    private static bool Visible(BoundVirtualService vs, string ns)
    {
        var exportTo = vs.Resource.Spec.ExportTo;
        return exportTo is null or { Count: 0 } || exportTo.Contains("*") || exportTo.Contains(ns) || (exportTo.Contains(".") && vs.Namespace == ns);
    }

    public MeshState Mesh => mesh;
}
