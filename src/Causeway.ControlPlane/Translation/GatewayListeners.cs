using Causeway.Api.Model.Networking;
using Causeway.ControlPlane.Mesh;
using Causeway.ControlPlane.Registry;
using Causeway.Protocol.V1;

namespace Causeway.ControlPlane.Translation;

/// <summary>
/// A gateway's listeners: one per server port of the Gateways whose selector matches the proxy (in any namespace).
/// HTTP servers get a route table whose virtual hosts are the hosts of the VirtualServices bound to those Gateways,
/// admitted by the servers' hosts (exact or by suffix, honouring <c>namespace/host</c>); VirtualServices for the same
/// host are merged in creation order, with catch-all rules moved after rules that match something. TLS servers
/// (HTTPS, TLS) are not served yet: they come with gateway TLS.
/// </summary>
internal static class GatewayListeners
{
    public static void Build(MeshState mesh, VirtualServiceIndex index, ProxyRequest proxy, ProxySnapshot snapshot, ClusterSet clusters)
    {
        var gateways = mesh.Gateways
            .Where(g => g.Resource.Spec.Selector is { Count: > 0 } sel && ServiceEntryRegistry.Matches(sel, proxy.Labels))
            .Select(g => (Key: $"{mesh.Names.NamespaceOf(g.Resource)}/{g.Resource.Name}", Ns: mesh.Names.NamespaceOf(g.Resource), g.Resource))
            .ToList();
        var servers = gateways
            .SelectMany(g => (g.Resource.Spec.Servers ?? []).Select(s => (g.Key, g.Ns, Server: s)))
            .Where(x => x.Server.Port?.Number is > 0)
            .GroupBy(x => x.Server.Port!.Number!.Value)
            .OrderBy(g => g.Key);
        var routes = new HttpRouteTranslator(index, clusters.IsConsistentHash);

        foreach (var group in servers)
        {
            var port = group.Key;
            var protocol = (group.First().Server.Port!.Protocol ?? "").ToUpperInvariant();
            var keys = group.Select(x => x.Key).ToHashSet(StringComparer.Ordinal);
            var gatewayNs = group.First().Ns;
            if (protocol is "HTTP" or "HTTP2" or "GRPC" or "GRPC-WEB")
            {
                var table = BuildRouteTable(mesh, index, routes, proxy, group.ToList(), keys, gatewayNs, port, clusters);
                snapshot.RouteTables.Add(table);
                snapshot.Listeners.Add(new Listener
                {
                    Name = $"gateway_{port}",
                    Port = port,
                    Protocol = ListenerProtocol.Http,
                    Direction = TrafficDirection.GatewayIngress,
                    RouteTable = table.Name,
                });
            }
            else if (protocol is "TCP" or "MONGO")
            {
                var tcp = new Protocol.V1.TcpRoute();
                foreach (var vs in index.ForGateways(keys, gatewayNs))
                {
                    foreach (var d in ProxySnapshotBuilder.TcpRoutesFor(vs, port))
                    {
                        var host = mesh.Names.Fqdn(d.Destination?.Host ?? "", vs.Namespace);
                        var target = mesh.Service(host);
                        var reference = new ClusterRef(host, d.Destination?.Port?.Number ?? (target is { Ports.Count: > 0 } ? target.Ports[0].Number : port), d.Destination?.Subset ?? "", target);
                        clusters.Add(reference);
                        tcp.Clusters.Add(new WeightedCluster { Cluster = reference.Name, Weight = (uint)Math.Max(0, d.Weight ?? 100) });
                    }

                    if (tcp.Clusters.Count > 0)
                    {
                        break;
                    }
                }

                snapshot.Listeners.Add(new Listener { Name = $"gateway_{port}", Port = port, Protocol = ListenerProtocol.Tcp, Direction = TrafficDirection.GatewayIngress, Tcp = tcp });
            }
        }
    }

    private static RouteTable BuildRouteTable(
        MeshState mesh, VirtualServiceIndex index, HttpRouteTranslator routes, ProxyRequest proxy,
        List<(string Key, string Ns, Server Server)> servers, IReadOnlySet<string> keys, string gatewayNs, uint port, ClusterSet clusters)
    {
        var table = new RouteTable { Name = "gateway_" + ProxySnapshotBuilder.Port(port) };
        var byDomain = new SortedDictionary<string, List<Route>>(StringComparer.Ordinal);
        foreach (var vs in index.ForGateways(keys, gatewayNs))
        {
            var ctx = new RouteContext(proxy, keys, IsMesh: false, ListenerPort: port);
            List<Route>? translated = null;
            foreach (var host in vs.Resource.Spec.Hosts ?? [])
            {
                var domain = Admitted(host, vs.Namespace, servers);
                if (domain is null)
                {
                    continue;
                }

                if (translated is null)
                {
                    var refs = new List<ClusterRef>();
                    translated = routes.Translate(vs, ctx, refs);
                    ProxySnapshotBuilder.AddAll(clusters, refs);
                }

                if (!byDomain.TryGetValue(domain, out var list))
                {
                    byDomain[domain] = list = [];
                }

                list.AddRange(translated);
            }
        }

        foreach (var (domain, list) in byDomain)
        {
            var vhost = new VirtualHost { Name = $"{domain}:{port}" };
            vhost.Domains.Add(domain);
            if (domain != "*")
            {
                vhost.Domains.Add($"{domain}:{port}");
            }

            // Merged VirtualServices: a catch-all from one must not shadow the others' specific rules.
            vhost.Routes.Add(list.Where(r => r.Match is not null));
            vhost.Routes.Add(list.Where(r => r.Match is null));
            table.VirtualHosts.Add(vhost);
        }

        return table;
    }

    /// <summary>
    /// The domain a VirtualService host gets on this port, if some server admits it: the VirtualService's host, or
    /// the server's host when the VirtualService's is broader (<c>*</c> under a server for <c>*.example.com</c>).
    /// </summary>
    private static string? Admitted(string vsHost, string vsNs, List<(string Key, string Ns, Server Server)> servers)
    {
        foreach (var (_, gwNs, server) in servers)
        {
            foreach (var entry in server.Hosts ?? [])
            {
                var slash = entry.IndexOf('/', StringComparison.Ordinal);
                var ns = slash < 0 ? "*" : entry[..slash];
                var host = (slash < 0 ? entry : entry[(slash + 1)..]).ToLowerInvariant();
                if (ns != "*" && (ns == "." ? gwNs : ns) != vsNs)
                {
                    continue;
                }

                var h = vsHost.ToLowerInvariant();
                if (DestinationRuleIndex.HostMatches(h, host))
                {
                    return h;
                }

                if (DestinationRuleIndex.HostMatches(host, h))
                {
                    return host;
                }
            }
        }

        return null;
    }
}
