using Causeway.Protocol.V1;
using Causeway.Proxy.Routing;

namespace Causeway.Translation.Tests.Support;

/// <summary>
/// Answers "where does this request go" from a proxy snapshot, with the proxy's own compiled route tables and no
/// sockets: listener by port, virtual host by Host, first matching route, then the destination clusters and
/// whether the snapshot defines them (a missing cluster is Envoy's 503 NC).
/// </summary>
internal sealed class Simulation(ProxySnapshot snapshot)
{
    private readonly Dictionary<string, CompiledRouteTable> tables = snapshot.RouteTables.ToDictionary(t => t.Name, t => new CompiledRouteTable(t));

    public ProxySnapshot Snapshot { get; } = snapshot;

    /// <summary>Routes one request; <paramref name="captured"/>: it reached the proxy by iptables capture, so it has an original destination.</summary>
    public Result Send(uint port, string host, string path = "/", string method = "GET", IReadOnlyDictionary<string, string>? headers = null, string scheme = "http", bool captured = false)
    {
        var listener = Snapshot.Listeners.FirstOrDefault(l => l.Port == port && l.Direction != TrafficDirection.Inbound);
        if (listener is null)
        {
            return new Result("no listener", null, null, []);
        }

        if (listener.Protocol == ListenerProtocol.Tcp)
        {
            return new Result("tcp", null, null, listener.Tcp.Clusters.ToList());
        }

        var q = path.IndexOf('?', StringComparison.Ordinal);
        var request = new SimRequest(method, scheme, host, q < 0 ? path : path[..q], q < 0 ? "" : path[(q + 1)..], port, headers ?? new Dictionary<string, string>());
        var vhost = tables[listener.RouteTable].FindVirtualHost(host);
        if (vhost is null || (vhost.Source.OriginalDestinationOnly && !captured))
        {
            return new Result("404 NR (no virtual host)", null, null, []);
        }

        if (vhost.Source.RequireTls && scheme != "https" && listener.Tls is null)
        {
            return new Result("301 https redirect", vhost.Source.Name, null, []);
        }

        var route = vhost.Match(ref request);
        if (route is null)
        {
            return new Result("404 NR (no route)", vhost.Source.Name, null, []);
        }

        var outcome = route.Route.ActionCase switch
        {
            Route.ActionOneofCase.Redirect => "redirect",
            Route.ActionOneofCase.DirectResponse => "direct " + route.Route.DirectResponse.Status,
            _ => "forward",
        };
        var clusters = route.Route.ActionCase == Route.ActionOneofCase.Forward ? route.Route.Forward.Clusters.ToList() : [];
        return new Result(outcome, vhost.Source.Name, route.Route, clusters);
    }

    public Cluster? Cluster(string name) => Snapshot.Clusters.FirstOrDefault(c => c.Name == name);

    public IReadOnlyList<Endpoint> Endpoints(string cluster) => Snapshot.Endpoints.FirstOrDefault(e => e.Cluster == cluster)?.Endpoints.ToList() ?? [];

    internal sealed record Result(string Outcome, string? VirtualHost, Route? Route, IReadOnlyList<WeightedCluster> Clusters)
    {
        /// <summary>The single destination cluster (asserts there is exactly one).</summary>
        public string Cluster => Assert.Single(Clusters).Cluster;

        public override string ToString() => $"{Outcome} vhost={VirtualHost} route={Route?.Name} clusters=[{string.Join(", ", Clusters.Select(c => $"{c.Cluster}:{c.Weight}"))}]";
    }

    private readonly struct SimRequest(string method, string scheme, string authority, string path, string query, uint port, IReadOnlyDictionary<string, string> headers) : IRouteRequest
    {
        public string Method { get; } = method;

        public string Scheme { get; } = scheme;

        public string Authority { get; } = authority;

        public string Path { get; } = path;

        public string Query { get; } = query;

        public uint Port { get; } = port;

        public bool TryGetHeader(string name, out string value) => headers.TryGetValue(name, out value!);
    }
}
