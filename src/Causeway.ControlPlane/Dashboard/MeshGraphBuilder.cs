using Causeway.Api.Diagnostics;
using Causeway.Translation.Mesh;

namespace Causeway.ControlPlane.Dashboard;

/// <summary>
/// Builds the graph the dashboard draws, Kiali's "versioned app graph": callers (workloads, gateways, "unknown"
/// for clients outside the mesh) point at the services they call, and each service points at the workloads that
/// answered, so a traffic split shows as the service's outgoing edges. Every service and workload of the registry
/// is a node, and a service's edges to its workloads are drawn even without traffic, so an idle subset is visible.
/// Pure: the registry, the proxies, the rates and the problems in, the graph out.
/// </summary>
public static class MeshGraphBuilder
{
    public const string Unknown = "unknown";

    public static string ServiceId(string host) => "svc:" + host;

    public static string WorkloadId(string ns, string name) => name == Unknown ? "wl:unknown" : $"wl:{ns}/{name}";

    public static MeshGraph Build(
        long generation,
        MeshState mesh,
        IReadOnlyList<ProxyInfo> proxies,
        IReadOnlyDictionary<EdgeKey, EdgeRate> rates,
        IReadOnlyList<Diagnostic> problems,
        string configDirectory,
        TimeSpan window)
    {
        var nodes = new Dictionary<string, NodeDraft>(StringComparer.Ordinal);
        var edges = new Dictionary<(string From, string To), EdgeDraft>();
        foreach (var service in mesh.Registry.Services)
        {
            var node = Node(nodes, ServiceId(service.Hostname), "service", ShortHost(service.Hostname, service.Namespace), service.Namespace);
            node.External = !service.MeshInternal;
            if (!service.MeshInternal)
            {
                continue; // an external service's endpoints are addresses, not workloads of the mesh
            }

            foreach (var instance in mesh.Registry.Instances(service))
            {
                var workload = WorkloadNode(nodes, instance.Namespace, instance.Name, instance.Labels);
                Edge(edges, node.Id, workload.Id).Configured = true;
            }
        }

        foreach (var workload in mesh.Registry.Workloads)
        {
            WorkloadNode(nodes, workload.Namespace, workload.Name, workload.Labels);
        }

        foreach (var proxy in proxies)
        {
            var node = WorkloadNode(nodes, proxy.Namespace, proxy.Name, null);
            if (proxy.Gateway)
            {
                node.Kind = "gateway";
            }

            node.ProxyState = proxy.Nack.Length > 0 ? "nack" : proxy.Synced ? "synced" : "stale";
            if (proxy.Nack.Length > 0)
            {
                node.Problems.Add(new NodeProblem("NACK", "Error", $"{proxy.Id} refused the newest config: {proxy.Nack}", proxy.Id, ""));
            }

            if (proxy.ScrapeError.Length > 0)
            {
                node.Problems.Add(new NodeProblem("SCRAPE", "Warning", proxy.ScrapeError, proxy.Id, ""));
            }
        }

        // Only the server side knows whether the connection was mutual TLS (Istio's source reports say "unknown"):
        // the destination's report lends the edge its security.
        var security = new Dictionary<(string, string), string>();
        foreach (var (key, rate) in rates)
        {
            if (rate.RequestsPerSecond <= 0)
            {
                continue;
            }

            if (!key.CountsForGraph)
            {
                if (rate.Security != "unknown")
                {
                    security[(WorkloadId(key.SourceNamespace, key.SourceWorkload), ServiceId(key.DestinationService))] = rate.Security;
                    security[(ServiceId(key.DestinationService), WorkloadId(key.DestinationNamespace, key.DestinationWorkload))] = rate.Security;
                }

                continue;
            }

            var source = WorkloadNode(nodes, key.SourceNamespace, key.SourceWorkload, null);
            var service = nodes.GetValueOrDefault(ServiceId(key.DestinationService))
                          ?? Node(nodes, ServiceId(key.DestinationService), key.DestinationService == Unknown ? "unknown" : "service", key.DestinationService, "");
            Edge(edges, source.Id, service.Id).Add(rate);
            if (key.DestinationWorkload != Unknown)
            {
                var destination = WorkloadNode(nodes, key.DestinationNamespace, key.DestinationWorkload, null);
                Edge(edges, service.Id, destination.Id).Add(rate);
            }
        }

        foreach (var (pair, policy) in security)
        {
            if (edges.TryGetValue(pair, out var edge))
            {
                edge.Security = policy;
            }
        }

        var meshProblems = new List<NodeProblem>();
        foreach (var d in problems)
        {
            var problem = Problem(d, configDirectory);
            var owners = ProblemOwners.Of(d, mesh).Where(nodes.ContainsKey).ToList();
            if (owners.Count == 0)
            {
                meshProblems.Add(problem);
            }

            foreach (var owner in owners)
            {
                nodes[owner].Problems.Add(problem);
            }
        }

        return new MeshGraph(
            generation,
            (int)window.TotalSeconds,
            nodes.Values.OrderBy(n => n.Id, StringComparer.Ordinal).Select(n => n.ToNode()).ToList(),
            edges.Values.OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal).Select(e => e.ToEdge()).ToList(),
            meshProblems);
    }

    /// <summary>A config message as the page shows it: code, severity, message with its field, resource, file:line.</summary>
    public static NodeProblem Problem(Diagnostic d, string configDirectory) =>
        new(d.Code, d.Severity.ToString(), d.Message + (d.FieldPath is null ? "" : $" (field {d.FieldPath})"),
            d.Resource?.ToString() ?? "", d.Location is null ? "" : Relative(configDirectory, d.Location));

    /// <summary>A file's path as the user wrote it into the config directory, with its line: <c>reviews.yaml:3</c>.</summary>
    public static string Relative(string directory, SourceLocation location)
    {
        var file = directory.Length > 0 && Path.IsPathRooted(location.File) ? Path.GetRelativePath(directory, location.File) : location.File;
        return location.Line > 0 ? $"{file}:{location.Line}" : file;
    }

    /// <summary>reviews.bookinfo.svc.cluster.local is "reviews" beside its namespace; other hosts keep their name.</summary>
    private static string ShortHost(string host, string ns)
    {
        var suffix = $".{ns}.svc.";
        var at = host.IndexOf(suffix, StringComparison.Ordinal);
        return at > 0 ? host[..at] : host;
    }

    private static NodeDraft WorkloadNode(Dictionary<string, NodeDraft> nodes, string ns, string name, IReadOnlyDictionary<string, string>? labels)
    {
        var node = Node(nodes, WorkloadId(ns, name), name == Unknown ? "unknown" : "workload", name, name == Unknown ? "" : ns);
        if (labels is not null)
        {
            node.App = labels.GetValueOrDefault("app") ?? node.App;
            node.Version = labels.GetValueOrDefault("version") ?? node.Version;
        }

        return node;
    }

    private static NodeDraft Node(Dictionary<string, NodeDraft> nodes, string id, string kind, string label, string ns)
    {
        if (!nodes.TryGetValue(id, out var node))
        {
            node = new NodeDraft(id, kind, label, ns);
            nodes[id] = node;
        }

        return node;
    }

    private static EdgeDraft Edge(Dictionary<(string, string), EdgeDraft> edges, string from, string to)
    {
        if (!edges.TryGetValue((from, to), out var edge))
        {
            edge = new EdgeDraft(from, to);
            edges[(from, to)] = edge;
        }

        return edge;
    }

    private sealed class NodeDraft(string id, string kind, string label, string ns)
    {
        public string Id { get; } = id;

        public string Kind { get; set; } = kind;

        public bool External { get; set; }

        public string App { get; set; } = "";

        public string Version { get; set; } = "";

        public string ProxyState { get; set; } = "";

        public List<NodeProblem> Problems { get; } = [];

        public GraphNode ToNode() => new(Id, External ? "external" : Kind, label, ns, App, Version, ProxyState, Problems);
    }

    private sealed class EdgeDraft(string from, string to)
    {
        private readonly EdgeRate total = new();

        public string From { get; } = from;

        public string To { get; } = to;

        public bool Configured { get; set; }

        public string Security { get; set; } = "unknown";

        public void Add(EdgeRate rate)
        {
            total.RequestsPerSecond += rate.RequestsPerSecond;
            total.ErrorsPerSecond += rate.ErrorsPerSecond;
            if (rate.Security != "unknown")
            {
                Security = rate.Security;
            }

            foreach (var (flag, count) in rate.Flags)
            {
                total.Flags[flag] = total.Flags.GetValueOrDefault(flag) + count;
            }

            foreach (var (bound, count) in rate.Buckets)
            {
                total.Buckets[bound] = total.Buckets.GetValueOrDefault(bound) + count;
            }
        }

        public GraphEdge ToEdge() => new(From, To, total.RequestsPerSecond, total.ErrorRate, total.Quantile(0.5), total.Quantile(0.99), Shown(Security), Configured, total.Flags);

        /// <summary>Istio's connection_security_policy values (mutual_tls, none) in the graph's words.</summary>
        private static string Shown(string policy) => policy switch
        {
            "mutual_tls" => "mtls",
            "none" => "plaintext",
            _ => "unknown",
        };
    }
}
