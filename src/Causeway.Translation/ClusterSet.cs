using Causeway.Translation.Mesh;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// The clusters a snapshot needs, built once each: the default cluster of every reachable service port and every
/// cluster a route names. A route naming a subset no DestinationRule defines, or a host the registry does not know,
/// gets no cluster, so the proxy answers 503 NC for it, as Istio's does.
/// </summary>
internal sealed class ClusterSet(MeshState mesh, DestinationRuleIndex rules, ProxyRequest proxy)
{
    private readonly SortedDictionary<string, (Cluster Cluster, ClusterEndpoints Endpoints)> built = new(StringComparer.Ordinal);

    private readonly List<string> notices = [];

    public MeshState Mesh => mesh;

    public void Add(ClusterRef reference)
    {
        if (built.ContainsKey(reference.Name) || reference.Service is not { } service || service.Port(reference.Port) is not { } port)
        {
            return;
        }

        var dr = rules.Lookup(service, proxy.Namespace, proxy.Labels);
        IReadOnlyDictionary<string, string>? subsetLabels = null;
        if (reference.Subset.Length > 0)
        {
            if (!dr.Subsets.TryGetValue(reference.Subset, out var subset))
            {
                return;
            }

            subsetLabels = (IReadOnlyDictionary<string, string>?)subset.Labels ?? new Dictionary<string, string>();
        }

        var cluster = ClusterBuilder.Build(service, port, reference.Subset, dr, out var policy);
        cluster.Tls = UpstreamTlsBuilder.Build(mesh, proxy, cluster, policy.Tls, notices);

        var instances = mesh.Registry.Instances(service);
        cluster.Tls ??= UpstreamTlsBuilder.IstioMutual(mesh, cluster, policy.Tls, port, reference.Subset,
            instances.Where(i => subsetLabels is null || subsetLabels.All(l => i.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList());
        var endpoints = EndpointBuilder.Build(cluster, instances, port, subsetLabels);
        LocalityLoadBalancing.Apply(endpoints, cluster, proxy, policy.LoadBalancer?.LocalityLbSetting);
        built[cluster.Name] = (cluster, endpoints);
    }

    public void AddInbound(Cluster cluster, ClusterEndpoints endpoints) => built[cluster.Name] = (cluster, endpoints);

    /// <summary>Istio's PassthroughCluster: to the address the application dialled, for destinations the mesh does not know (ALLOW_ANY).</summary>
    public string AddPassthrough()
    {
        built.TryAdd(ClusterNames.Passthrough, (new Cluster { Name = ClusterNames.Passthrough, Protocol = "AUTO", OriginalDestination = true }, new ClusterEndpoints { Cluster = ClusterNames.Passthrough }));
        return ClusterNames.Passthrough;
    }

    /// <summary>Whether a cluster balances by consistent hash (the default retry policy then stays on the same host).</summary>
    public bool IsConsistentHash(string name) => built.TryGetValue(name, out var c) && c.Cluster.Hash is not null;

    public void WriteTo(ProxySnapshot snapshot)
    {
        foreach (var (_, (cluster, endpoints)) in built)
        {
            snapshot.Clusters.Add(cluster);
            snapshot.Endpoints.Add(endpoints);
            if (cluster.ConnectionPool?.MaxRequestsPerConnection > 1)
            {
                notices.Add($"cluster {cluster.Name}: connectionPool.http.maxRequestsPerConnection {cluster.ConnectionPool.MaxRequestsPerConnection} is not enforced (only 1, which turns upstream keep-alive off, is)");
            }

            if (cluster.ConnectionPool?.MaxConcurrentStreams > 0)
            {
                notices.Add($"cluster {cluster.Name}: connectionPool.http.maxConcurrentStreams is not enforced (the upstream's own SETTINGS_MAX_CONCURRENT_STREAMS applies)");
            }
        }

        snapshot.Notices.Add(notices.Distinct());
    }
}
