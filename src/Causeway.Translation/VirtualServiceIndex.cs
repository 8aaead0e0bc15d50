using Causeway.Api.Loading;
using Causeway.Api.Model;
using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;

namespace Causeway.Translation;

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

    /// <summary>Mesh-bound VirtualServices by exact host, in creation order; wildcard hosts are searched separately.</summary>
    private readonly Dictionary<string, List<BoundVirtualService>> meshByHost = new(StringComparer.Ordinal);
    private readonly List<BoundVirtualService> meshWildcards = [];

    public VirtualServiceIndex(MeshState mesh)
    {
        this.mesh = mesh;
        all = mesh.VirtualServices
            .Select(v => (v, ns: mesh.Names.NamespaceOf(v.Resource)))
            .OrderBy(x => x.v.Resource.Metadata.CreationTimestamp ?? "", StringComparer.Ordinal)
            .ThenBy(x => x.ns, StringComparer.Ordinal).ThenBy(x => x.v.Resource.Name, StringComparer.Ordinal)
            .Select(x => new BoundVirtualService(x.v.Source, x.v.Resource, x.ns, (x.v.Resource.Spec.Hosts ?? []).Select(h => mesh.Names.Fqdn(h, x.ns)).ToList()))
            .ToList();
        foreach (var vs in all.Where(v => v.Hosts.Count > 0 && v.Resource.Spec.EffectiveGateways.Contains(IstioDefaults.MeshGateway)))
        {
            foreach (var h in vs.Hosts.Distinct(StringComparer.Ordinal))
            {
                if (h.StartsWith('*'))
                {
                    if (meshWildcards.LastOrDefault() != vs)
                    {
                        meshWildcards.Add(vs);
                    }
                }
                else if (meshByHost.TryGetValue(h, out var list))
                {
                    list.Add(vs);
                }
                else
                {
                    meshByHost[h] = [vs];
                }
            }
        }
    }

    /// <summary>The index of a mesh state, built once per state and shared by every proxy's translation.</summary>
    public static VirtualServiceIndex For(MeshState mesh) => mesh.Cached(static m => new VirtualServiceIndex(m));

    /// <summary>The VirtualService that routes <paramref name="host"/> for sidecars in <paramref name="proxyNamespace"/>, if any.</summary>
    public BoundVirtualService? ForMesh(string host, string proxyNamespace)
    {
        // An exact host beats every wildcard; among equals the oldest wins (the lists are in creation order).
        if (meshByHost.TryGetValue(host, out var exact))
        {
            foreach (var vs in exact)
            {
                if (Visible(vs, proxyNamespace))
                {
                    return vs;
                }
            }
        }

        BoundVirtualService? best = null;
        var bestSpecificity = -1;
        foreach (var vs in meshWildcards)
        {
            if (!Visible(vs, proxyNamespace))
            {
                continue;
            }

            foreach (var h in vs.Hosts)
            {
                var specificity = DestinationRuleIndex.HostMatches(host, h) ? h.Length : -1;
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
