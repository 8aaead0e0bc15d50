using Causeway.Api.Model;
using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;
using Causeway.Translation.Registry;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// A gateway's listeners: one per server port of the Gateways whose selector matches the proxy (in any namespace).
/// HTTP servers get a route table whose virtual hosts are the hosts of the VirtualServices bound to those Gateways,
/// admitted by the servers' hosts (exact or by suffix, honouring <c>namespace/host</c>); VirtualServices for the same
/// host are merged in creation order, with catch-all rules moved after rules that match something. HTTPS and TLS
/// servers terminate TLS (SIMPLE, MUTUAL; see <see cref="GatewayTls"/>) and then route as HTTP and TCP servers do,
/// or pass it through by SNI (PASSTHROUGH, see <see cref="TlsRouteTranslator"/>);
/// an HTTP server with <c>httpsRedirect</c> marks its hosts' virtual hosts to redirect plaintext to https.
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
        var rateLimits = gateways
            .Select(g => (g.Key, Limit: LocalRateLimitAnnotation.For(g.Resource, null)))
            .Where(x => x.Limit is not null)
            .ToDictionary(x => x.Key, x => new LocalRateLimit { MaxTokens = (uint)x.Limit!.MaxTokens, TokensPerFill = (uint)x.Limit.TokensPerFill, FillIntervalMs = ClusterBuilder.Ms(x.Limit.FillInterval) });

        foreach (var group in servers)
        {
            var port = group.Key;
            var protocol = ProtocolOf(group.First().Server);
            var members = group.Where(x => ProtocolOf(x.Server) == protocol).ToList();
            foreach (var other in group.Where(x => ProtocolOf(x.Server) != protocol))
            {
                snapshot.Notices.Add($"gateway {other.Key} server {other.Server.Name ?? other.Server.Port?.Name}: port {port} is already {protocol} on this gateway; a port has one protocol, so this {ProtocolOf(other.Server)} server is not served");
            }

            // PASSTHROUGH servers share a port with terminating ones as Envoy's filter chains do: the SNI decides.
            var passing = protocol is "HTTPS" or "TLS" ? members.Where(m => m.Server.Tls?.Mode == ServerTlsMode.Passthrough).ToList() : [];
            members = members.Except(passing).ToList();
            DownstreamTls? tls = null;
            if (protocol is "HTTPS" or "TLS" && members.Count > 0)
            {
                // Envoy: one filter chain per HTTPS server, each with a route table of that server's hosts only.
                var names = new HashSet<string>(StringComparer.Ordinal);
                tls = GatewayTls.Build(mesh, proxy, port, members, snapshot.Notices, protocol != "HTTPS" ? null : server =>
                {
                    var table = BuildRouteTable(mesh, index, routes, proxy, [server], new HashSet<string>(StringComparer.Ordinal) { server.Key }, server.Ns, port, clusters, ServerTableName(port, server, names));
                    snapshot.RouteTables.Add(table);
                    return table.Name;
                });
            }

            if (protocol is "HTTPS" or "TLS" && tls is null)
            {
                if (passing.Count > 0)
                {
                    BuildPassthrough(mesh, index, proxy, snapshot, clusters, port, passing);
                }

                continue; // nothing on this port can be terminated
            }

            var keys = members.Select(x => x.Key).ToHashSet(StringComparer.Ordinal);
            var gatewayNs = members[0].Ns;
            if (protocol is "HTTP" or "HTTP2" or "GRPC" or "GRPC-WEB" or "HTTPS")
            {
                var tableName = tls?.Servers[0].RouteTable;
                if (tableName is null)
                {
                    // Plaintext servers on one port share one route table, as Istio merges them (http.<port>).
                    var table = BuildRouteTable(mesh, index, routes, proxy, members, keys, gatewayNs, port, clusters, "gateway_" + ProxySnapshotBuilder.Port(port));
                    snapshot.RouteTables.Add(table);
                    tableName = table.Name;
                }

                var listener = new Listener
                {
                    Name = $"gateway_{port}",
                    Port = port,
                    Protocol = ListenerProtocol.Http,
                    Direction = TrafficDirection.GatewayIngress,
                    RouteTable = tableName,
                    Tls = tls,
                    RateLimit = ListenerRateLimit(members, rateLimits),
                };
                AddPassthroughRoutes(mesh, index, proxy, clusters, port, passing, listener, snapshot.Notices);
                snapshot.Listeners.Add(listener);
            }
            else if (protocol is "TCP" or "MONGO" or "TLS")
            {
                // The first VirtualService bound here with a tcp rule for the port carries the traffic.
                var tcp = new Protocol.V1.TcpRoute();
                foreach (var vs in index.ForGateways(keys, gatewayNs))
                {
                    tcp = TcpRouteTranslator.Translate(mesh, vs, port, clusters);
                    if (tcp.Clusters.Count > 0)
                    {
                        break;
                    }
                }

                var listener = new Listener { Name = $"gateway_{port}", Port = port, Protocol = ListenerProtocol.Tcp, Direction = TrafficDirection.GatewayIngress, Tcp = tcp, Tls = tls };
                AddPassthroughRoutes(mesh, index, proxy, clusters, port, passing, listener, snapshot.Notices);
                snapshot.Listeners.Add(listener);
            }
        }
    }

    /// <summary>
    /// The PASSTHROUGH servers of a port that also terminates TLS: their SNI routes ride on the terminating listener,
    /// and the proxy relays a connection untouched when its SNI matches one of them more specifically than any
    /// terminating server's hosts (Envoy's most specific filter chain).
    /// </summary>
    private static void AddPassthroughRoutes(MeshState mesh, VirtualServiceIndex index, ProxyRequest proxy, ClusterSet clusters, uint port, List<(string Key, string Ns, Server Server)> passing, Listener listener, IList<string> notices)
    {
        if (passing.Count == 0)
        {
            return;
        }

        var routes = PassthroughRoutes(mesh, index, proxy, clusters, port, passing);
        if (routes.Count == 0)
        {
            notices.Add($"gateway {passing[0].Key}: PASSTHROUGH servers on port {port} have no VirtualService tls route whose sniHosts a server admits; only the terminating servers are served");
            return;
        }

        listener.SniRoutes.Add(routes);
        listener.Tcp ??= new Protocol.V1.TcpRoute(); // the relay's side of the listener
    }

    /// <summary>
    /// A port whose servers all pass TLS through (or whose terminating servers cannot be served): the ClientHello's
    /// SNI picks a VirtualService tls route and the connection is relayed untouched, so the backend's own certificate
    /// reaches the client.
    /// </summary>
    private static void BuildPassthrough(MeshState mesh, VirtualServiceIndex index, ProxyRequest proxy, ProxySnapshot snapshot, ClusterSet clusters, uint port, List<(string Key, string Ns, Server Server)> passthrough)
    {
        var routes = PassthroughRoutes(mesh, index, proxy, clusters, port, passthrough);
        if (routes.Count == 0)
        {
            // As Istio builds no listener for a passthrough server without routes: nothing to pass to.
            snapshot.Notices.Add($"gateway {passthrough[0].Key}: PASSTHROUGH port {port} has no VirtualService tls route whose sniHosts a server admits; the port is not served");
            return;
        }

        var listener = new Listener { Name = $"gateway_{port}", Port = port, Protocol = ListenerProtocol.Tcp, Direction = TrafficDirection.GatewayIngress, Tcp = new Protocol.V1.TcpRoute() };
        listener.SniRoutes.Add(routes);
        snapshot.Listeners.Add(listener);
    }

    /// <summary>The tls routes of the VirtualServices bound to the PASSTHROUGH servers' Gateways, as those servers admit them.</summary>
    private static List<SniRoute> PassthroughRoutes(MeshState mesh, VirtualServiceIndex index, ProxyRequest proxy, ClusterSet clusters, uint port, List<(string Key, string Ns, Server Server)> passing) =>
        TlsRouteTranslator.ForGateway(mesh, index, proxy, passing.Select(x => x.Key).ToHashSet(StringComparer.Ordinal), passing[0].Ns, port, passing, clusters);

    /// <summary>The listener's bucket: from the first Gateway on the port that carries the rate limit annotation.</summary>
    private static LocalRateLimit? ListenerRateLimit(List<(string Key, string Ns, Server Server)> members, Dictionary<string, LocalRateLimit> limits) =>
        members.Select(m => m.Key).Distinct().Select(limits.GetValueOrDefault).FirstOrDefault(r => r is not null);

    private static string ProtocolOf(Server server) => (server.Port?.Protocol ?? "").ToUpperInvariant();

    /// <summary>An HTTPS server's table name as Istio's RDS names it, <c>https.PORT.PORTNAME.GATEWAY.NAMESPACE</c>, kept unique on the port.</summary>
    private static string ServerTableName(uint port, (string Key, string Ns, Server Server) server, HashSet<string> taken)
    {
        var gateway = server.Key[(server.Key.IndexOf('/', StringComparison.Ordinal) + 1)..];
        var name = $"https.{ProxySnapshotBuilder.Port(port)}.{server.Server.Port?.Name ?? server.Server.Name ?? "server"}.{gateway}.{server.Ns}";
        var unique = name;
        for (var i = 2; !taken.Add(unique); i++)
        {
            unique = $"{name}.{i}";
        }

        return unique;
    }

    private static RouteTable BuildRouteTable(
        MeshState mesh, VirtualServiceIndex index, HttpRouteTranslator routes, ProxyRequest proxy,
        List<(string Key, string Ns, Server Server)> servers, IReadOnlySet<string> keys, string gatewayNs, uint port, ClusterSet clusters, string name)
    {
        var table = new RouteTable { Name = name };
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

        // Istio gives an httpsRedirect server's hosts a virtual host even when no VirtualService is bound to them,
        // so plaintext requests for them are redirected rather than 404ed.
        var redirecting = servers.Where(x => x.Server.Tls?.HttpsRedirect == true).ToList();
        foreach (var (_, _, server) in redirecting)
        {
            foreach (var entry in server.Hosts ?? [])
            {
                byDomain.TryAdd(ServerHost.Parse(entry).Host, []);
            }
        }

        foreach (var (domain, list) in byDomain)
        {
            var vhost = new VirtualHost { Name = $"{domain}:{port}", RequireTls = redirecting.Count > 0 && Admitted(domain, "", redirecting, anyNamespace: true) is not null };
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
    internal static string? Admitted(string vsHost, string vsNs, List<(string Key, string Ns, Server Server)> servers, bool anyNamespace = false)
    {
        foreach (var (_, gwNs, server) in servers)
        {
            foreach (var entry in server.Hosts ?? [])
            {
                var (ns, host) = ServerHost.Parse(entry);
                if (!anyNamespace && ns != "*" && (ns == "." ? gwNs : ns) != vsNs)
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
