using Causeway.Translation.Mesh;
using Causeway.Translation.Registry;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// A sidecar's listeners. Outbound: one listener per service port the workload can reach (exportTo and its Sidecar
/// scope); HTTP ports share a route table with a virtual host per service, routed by the service's mesh
/// VirtualService or straight to the service; TLS ports (every service on them TLS or HTTPS) pass TLS through by SNI;
/// TCP ports forward to the port's service. Inbound: one listener per
/// port of each service that selects this workload, forwarding to the application (the Sidecar's ingress
/// defaultEndpoint, or 127.0.0.1 at the target port).
/// </summary>
internal static class SidecarListeners
{
    /// <summary>The outbound side: what the workload can reach. Shared by proxies with the same scope (see <see cref="OutboundScopes"/>).</summary>
    public static void BuildOutbound(MeshState mesh, VirtualServiceIndex index, ProxyRequest proxy, ProxySnapshot snapshot, ClusterSet clusters)
    {
        var scope = new SidecarScope(mesh, proxy);
        var registryOnly = scope.RegistryOnly(mesh.Settings);
        var routes = new HttpRouteTranslator(index, clusters.IsConsistentHash);
        var reachable = mesh.Registry.Services
            .Where(s => Visible(s, proxy.Namespace))
            .OrderBy(s => s.Hostname, StringComparer.Ordinal)
            .ToList();

        foreach (var group in reachable.SelectMany(s => s.Ports.Where(p => scope.AllowsPort(s, p.Number)).Select(p => (Service: s, Port: p))).GroupBy(x => x.Port.Number).OrderBy(g => g.Key))
        {
            var port = group.Key;
            var members = group.ToList();
            var listener = new Listener { Name = $"outbound_{port}", Address = scope.EgressBind(port) ?? "", Port = port, Direction = TrafficDirection.Outbound };
            snapshot.Listeners.Add(listener);
            if (members.All(m => m.Port.IsHttp))
            {
                var table = new RouteTable { Name = ProxySnapshotBuilder.Port(port) };
                foreach (var (service, _) in members)
                {
                    var vhost = new VirtualHost { Name = $"{service.Hostname}:{port}" };
                    vhost.Domains.Add(HostDomains.For(service, port, proxy.Namespace, mesh.Names.ClusterDomain));
                    var vs = index.ForMesh(service.Hostname, proxy.Namespace);
                    if (vs is not null && vs.Resource.Spec.Http is { Count: > 0 })
                    {
                        var refs = new List<ClusterRef>();
                        var ctx = new RouteContext(proxy, new HashSet<string>(), IsMesh: true, ListenerPort: port);
                        vhost.Routes.Add(routes.Translate(vs, ctx, refs));
                        ProxySnapshotBuilder.AddAll(clusters, refs);
                    }
                    else
                    {
                        vhost.Routes.Add(ProxySnapshotBuilder.DefaultRoute(service, port, clusters));
                    }

                    table.VirtualHosts.Add(vhost);
                }

                table.VirtualHosts.Add(CatchAll(registryOnly, clusters));
                snapshot.RouteTables.Add(table);
                listener.Protocol = ListenerProtocol.Http;
                listener.RouteTable = table.Name;
                listener.ExplicitHttp = members.All(m => m.Port.ExplicitHttp);
            }
            else if (members.All(m => m.Port.Protocol is "TLS" or "HTTPS"))
            {
                // TLS the application originates (to external hosts, typically): the SNI tells the services on the
                // port apart, as Istio's filter chains by server name do.
                listener.Protocol = ListenerProtocol.Tcp;
                listener.Tcp = new TcpRoute();
                listener.SniRoutes.Add(TlsRouteTranslator.ForSidecar(mesh, index, proxy, port, members.Select(m => m.Service), clusters));
                if (!registryOnly)
                {
                    // ALLOW_ANY: TLS for a name no service has goes where the application sent it. REGISTRY_ONLY
                    // closes it, which a client sees as a failed handshake (istio.io egress-control: curl exit 35).
                    var passthrough = new SniRoute { Origin = ClusterNames.AllowAnyRoute, Route = new TcpRoute { Clusters = { new WeightedCluster { Cluster = clusters.AddPassthrough(), Weight = 100 } } } };
                    passthrough.ServerNames.Add("*");
                    listener.SniRoutes.Add(passthrough);
                }
            }
            else
            {
                // Without per-service addresses a TCP port can serve one service: the first by name, as Istio's
                // port-only match on 0.0.0.0 would.
                var (service, _) = members[0];
                var vs = index.ForMesh(service.Hostname, proxy.Namespace);
                var tcp = TcpRouteTranslator.Translate(mesh, vs, port, clusters);
                if (tcp.Clusters.Count == 0)
                {
                    var reference = new ClusterRef(service.Hostname, port, "", service);
                    clusters.Add(reference);
                    tcp.Clusters.Add(new WeightedCluster { Cluster = reference.Name, Weight = 100 });
                }

                listener.Protocol = ListenerProtocol.Tcp;
                listener.Tcp = tcp;
            }
        }

        if (proxy.Captured)
        {
            // Envoy's virtualOutbound: what iptables redirects lands here and goes to the listener for its original
            // port; a port no service has is passed through under ALLOW_ANY and closed under REGISTRY_ONLY
            // (BlackHoleCluster), as Istio's filter chains on 15001 do.
            var route = new TcpRoute();
            if (!registryOnly)
            {
                route.Clusters.Add(new WeightedCluster { Cluster = clusters.AddPassthrough(), Weight = 100 });
            }

            snapshot.Listeners.Add(new Listener
            {
                Name = "virtualOutbound", Port = VirtualOutboundPort, Protocol = ListenerProtocol.Tcp, Direction = TrafficDirection.Outbound, Capture = true, Tcp = route,
            });
        }
    }

    /// <summary>Where istio-iptables redirects captured traffic: outbound to 15001, inbound to 15006.</summary>
    public const uint VirtualOutboundPort = 15001;

    public const uint VirtualInboundPort = 15006;

    /// <summary>Istio's cluster for inbound traffic to a port no service declares: to the application at the original destination.</summary>
    public const string InboundPassthrough = "InboundPassthroughCluster";

    /// <summary>Envoy's virtualInbound for a captured sidecar: declared ports go to their inbound listeners, the rest straight to the application.</summary>
    public static void BuildCapture(ProxyRequest proxy, ProxySnapshot snapshot, ClusterSet clusters)
    {
        if (!proxy.Captured)
        {
            return;
        }

        clusters.AddInbound(new Cluster { Name = InboundPassthrough, Protocol = "AUTO", OriginalDestination = true }, new ClusterEndpoints { Cluster = InboundPassthrough });
        snapshot.Listeners.Add(new Listener
        {
            Name = "virtualInbound", Port = VirtualInboundPort, Protocol = ListenerProtocol.Tcp, Direction = TrafficDirection.Inbound, Capture = true,
            Tcp = new TcpRoute { Clusters = { new WeightedCluster { Cluster = InboundPassthrough, Weight = 100 } } },
        });
    }

    /// <summary>
    /// The last virtual host of an outbound route table, for a Host no service has (Istio's catch-all): ALLOW_ANY
    /// forwards to the address the application dialled (PassthroughCluster; a connection that was not captured has
    /// none and gets 404 NR), REGISTRY_ONLY answers 502 (block_all, Istio's direct response for the BlackHoleCluster).
    /// </summary>
    private static VirtualHost CatchAll(bool registryOnly, ClusterSet clusters)
    {
        var name = registryOnly ? ClusterNames.BlockAllRoute : ClusterNames.AllowAnyRoute;
        var route = new Route { Name = name };
        if (registryOnly)
        {
            route.DirectResponse = new DirectResponse { Status = 502 };
        }
        else
        {
            route.Forward = new RouteAction { Clusters = { new WeightedCluster { Cluster = clusters.AddPassthrough(), Weight = 100 } } };
        }

        var vhost = new VirtualHost { Name = name, Domains = { "*" }, OriginalDestinationOnly = !registryOnly };
        vhost.Routes.Add(route);
        return vhost;
    }

    /// <summary>The inbound side: one listener per port of each service that selects this very workload.</summary>
    public static void BuildInbound(MeshState mesh, ProxyRequest proxy, ProxySnapshot snapshot, ClusterSet clusters)
    {
        var scope = new SidecarScope(mesh, proxy);
        var ingress = scope.Resource?.Spec.Ingress ?? [];
        foreach (var service in mesh.Registry.ServicesOf(proxy.Namespace, proxy.Name).Distinct().OrderBy(s => s.Hostname, StringComparer.Ordinal))
        {
            var me = mesh.Registry.Instances(service).FirstOrDefault(w => w.Name == proxy.Name && w.Namespace == proxy.Namespace);
            if (me is null)
            {
                continue;
            }

            foreach (var port in service.Ports)
            {
                var configured = ingress.FirstOrDefault(i => i.Port?.Number == port.Number);
                var targetPort = me.PortFor(port);
                var (appHost, appPort) = ParseEndpoint(configured?.DefaultEndpoint, targetPort);
                var cluster = ClusterBuilder.Inbound(service, port);
                var endpoints = new ClusterEndpoints { Cluster = cluster.Name };
                endpoints.Endpoints.Add(new Endpoint { Address = appHost, Port = appPort, Weight = 1, Healthy = true, Workload = $"{proxy.Namespace}/{proxy.Name}" });
                clusters.AddInbound(cluster, endpoints);

                var listener = new Listener
                {
                    Name = $"inbound_{port.Number}_{service.Hostname}",
                    Address = configured?.Bind ?? proxy.Address,
                    Port = port.Number,
                    Protocol = port.IsHttp ? ListenerProtocol.Http : ListenerProtocol.Tcp,
                    Direction = TrafficDirection.Inbound,
                    ExplicitHttp = port.ExplicitHttp,
                    MeshTls = PeerAuthenticationPolicy.ModeFor(mesh, proxy, port.Number, targetPort),
                };
                if (port.IsHttp)
                {
                    var table = new RouteTable { Name = $"inbound|{port.Number}|{service.Hostname}" };
                    var vhost = new VirtualHost { Name = "inbound|http|" + port.Number };
                    vhost.Domains.Add("*");
                    vhost.Routes.Add(new Route
                    {
                        Name = "default",
                        Forward = new RouteAction { Clusters = { new WeightedCluster { Cluster = cluster.Name, Weight = 100 } } },
                    });
                    table.VirtualHosts.Add(vhost);
                    snapshot.RouteTables.Add(table);
                    listener.RouteTable = table.Name;
                }
                else
                {
                    listener.Tcp = new TcpRoute { Clusters = { new WeightedCluster { Cluster = cluster.Name, Weight = 100 } } };
                }

                snapshot.Listeners.Add(listener);
            }
        }
    }

    /// <summary><c>127.0.0.1:8080</c>, <c>[::1]:8080</c>, <c>0.0.0.0:8080</c> (meaning the local app) or none.</summary>
    private static (string Host, uint Port) ParseEndpoint(string? endpoint, uint targetPort)
    {
        if (string.IsNullOrEmpty(endpoint) || endpoint.StartsWith("unix://", StringComparison.Ordinal))
        {
            return ("127.0.0.1", targetPort);
        }

        var colon = endpoint.LastIndexOf(':');
        var host = endpoint[..colon].Trim('[', ']');
        var port = uint.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return (host is "0.0.0.0" ? "127.0.0.1" : host is "::" ? "::1" : host, port);
    }

    private static bool Visible(ServiceModel s, string ns) =>
        s.ExportTo.Count == 0 || s.ExportTo.Contains("*") || s.ExportTo.Contains(ns) || (s.ExportTo.Contains(".") && s.Namespace == ns);
}
