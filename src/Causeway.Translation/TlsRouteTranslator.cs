using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;
using Causeway.Translation.Registry;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// VirtualService <c>tls</c> rules as routes by SNI, for TLS that is passed through rather than terminated: a
/// Gateway server with <c>tls.mode: PASSTHROUGH</c>, and a sidecar's outbound TLS port (ServiceEntry protocol TLS or
/// HTTPS). A rule applies through each of its matches that fits here (port, gateways, sourceLabels,
/// sourceNamespace, as for HTTP); the match's <c>sniHosts</c> become the route's server names. A name claimed by an
/// earlier rule keeps its first route (Istio drops the later duplicate filter chain).
/// </summary>
internal static class TlsRouteTranslator
{
    /// <summary>
    /// A passthrough gateway port: the tls rules of the VirtualServices bound to the gateway, each sniHost kept when a
    /// server admits it (narrowed to the server's host when the sniHost is broader, as Istio intersects them).
    /// </summary>
    public static List<SniRoute> ForGateway(
        MeshState mesh, VirtualServiceIndex index, ProxyRequest proxy, IReadOnlySet<string> keys, string gatewayNs,
        uint port, List<(string Key, string Ns, Server Server)> servers, ClusterSet clusters)
    {
        var routes = new List<SniRoute>();
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var ctx = new RouteContext(proxy, keys, IsMesh: false, ListenerPort: port);
        foreach (var vs in index.ForGateways(keys, gatewayNs))
        {
            Add(mesh, vs, ctx, clusters, routes, claimed, sni => GatewayListeners.Admitted(sni, vs.Namespace, servers));
        }

        return routes;
    }

    /// <summary>
    /// A sidecar's outbound TLS port: each service's mesh VirtualService tls rules, or, without one, the service's
    /// own host name straight to the service (Istio's default filter chain for a TLS service).
    /// </summary>
    public static List<SniRoute> ForSidecar(MeshState mesh, VirtualServiceIndex index, ProxyRequest proxy, uint port, IEnumerable<ServiceModel> services, ClusterSet clusters)
    {
        var routes = new List<SniRoute>();
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var ctx = new RouteContext(proxy, new HashSet<string>(), IsMesh: true, ListenerPort: port);
        var defaults = new List<ServiceModel>();
        foreach (var service in services)
        {
            var vs = index.ForMesh(service.Hostname, proxy.Namespace);
            if (vs is not null && vs.Resource.Spec.Tls is { Count: > 0 })
            {
                Add(mesh, vs, ctx, clusters, routes, claimed, sni => sni.ToLowerInvariant());
            }
            else
            {
                defaults.Add(service);
            }
        }

        // Services without tls rules come after every rule, so a VirtualService's sniHosts win over a default.
        foreach (var service in defaults)
        {
            if (!claimed.Add(service.Hostname))
            {
                continue;
            }

            var reference = new ClusterRef(service.Hostname, port, "", service);
            clusters.Add(reference);
            var route = new SniRoute { Origin = $"service {service.Hostname}", Route = new Protocol.V1.TcpRoute { Clusters = { new WeightedCluster { Cluster = reference.Name, Weight = 100 } } } };
            route.ServerNames.Add(service.Hostname);
            routes.Add(route);
        }

        return routes;
    }

    private static void Add(
        MeshState mesh, BoundVirtualService vs, RouteContext ctx, ClusterSet clusters, List<SniRoute> routes,
        HashSet<string> claimed, Func<string, string?> admit)
    {
        var rules = vs.Resource.Spec.Tls ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var names = new List<string>();
            foreach (var match in rule.Match ?? [])
            {
                if (!Applies(match, ctx))
                {
                    continue;
                }

                foreach (var sni in match.SniHosts ?? [])
                {
                    if (admit(sni) is { } name && claimed.Add(name))
                    {
                        names.Add(name);
                    }
                }
            }

            if (names.Count == 0 || rule.Route is not { Count: > 0 } destinations)
            {
                continue;
            }

            var route = new SniRoute
            {
                Origin = $"VirtualService {vs.Namespace}/{vs.Resource.Name} tls[{i}]",
                Route = TcpRouteTranslator.Weighted(mesh, vs.Namespace, destinations, ctx.ListenerPort, clusters),
            };
            route.ServerNames.Add(names);
            routes.Add(route);
        }
    }

    /// <summary>
    /// Whether a tls match holds on this proxy and port. destinationSubnets would need the address the client dialled,
    /// which a listener of its own port does not see: such a match never holds rather than holding too widely.
    /// </summary>
    private static bool Applies(TlsMatchAttributes m, RouteContext ctx) =>
        ctx.Admits(m.Gateways, m.SourceLabels, m.SourceNamespace) &&
        m.DestinationSubnets is not { Count: > 0 } &&
        (m.Port is not > 0 || m.Port == ctx.ListenerPort);
}
