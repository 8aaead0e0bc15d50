using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// A VirtualService's <c>tcp</c> rules on one port, for a sidecar's outbound listener and a gateway's TCP server
/// alike, with the same defaults as HTTP routes: the destination port defaults as <see cref="DestinationPorts"/>
/// says, and a destination without a weight gets all traffic when it is alone and none otherwise (Istio's
/// RouteDestination.weight).
/// </summary>
internal static class TcpRouteTranslator
{
    /// <summary>The first tcp rule whose match admits the port (no match, or a match without a port, admits all).</summary>
    public static List<RouteDestination> RoutesFor(BoundVirtualService? vs, uint port) =>
        (vs?.Resource.Spec.Tcp ?? [])
            .FirstOrDefault(r => r.Match is null or { Count: 0 } || r.Match.Any(m => m.Port is null or 0 || m.Port == port))?.Route ?? [];

    /// <summary>The weighted clusters of the VirtualService's matching tcp rule; empty when no rule applies.</summary>
    public static Protocol.V1.TcpRoute Translate(MeshState mesh, BoundVirtualService? vs, uint port, ClusterSet clusters) =>
        vs is null ? new Protocol.V1.TcpRoute() : Weighted(mesh, vs.Namespace, RoutesFor(vs, port), port, clusters);

    /// <summary>Destinations (tcp or tls rule) as weighted clusters, each added to <paramref name="clusters"/>.</summary>
    public static Protocol.V1.TcpRoute Weighted(MeshState mesh, string vsNamespace, List<RouteDestination> destinations, uint port, ClusterSet clusters)
    {
        var tcp = new Protocol.V1.TcpRoute();
        foreach (var d in destinations)
        {
            var host = mesh.Names.Fqdn(d.Destination?.Host ?? "", vsNamespace);
            var service = mesh.Service(host);
            var reference = new ClusterRef(host, d.Destination?.Port?.Number ?? DestinationPorts.Default(service, port), d.Destination?.Subset ?? "", service);
            clusters.Add(reference);
            tcp.Clusters.Add(new WeightedCluster { Cluster = reference.Name, Weight = DestinationPorts.Weight(d.Weight, destinations.Count) });
        }

        return tcp;
    }
}
