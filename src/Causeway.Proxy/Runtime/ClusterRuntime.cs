using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;

namespace Causeway.Proxy.Runtime;

/// <summary>
/// A cluster as the proxy runs it: its endpoints (with live state), its balancer and the connection pool that
/// reaches them. Built per snapshot; endpoint state and pools are carried over from the previous snapshot.
/// </summary>
public sealed class ClusterRuntime
{
    internal ClusterRuntime(Cluster cluster, IReadOnlyList<UpstreamEndpoint> endpoints, ILoadBalancer balancer, UpstreamPool pool)
    {
        Cluster = cluster;
        Endpoints = endpoints;
        Healthy = endpoints.Where(e => e.Healthy).ToArray();
        Balancer = balancer;
        Pool = pool;
    }

    public Cluster Cluster { get; }

    public string Name => Cluster.Name;

    public IReadOnlyList<UpstreamEndpoint> Endpoints { get; }

    public IReadOnlyList<UpstreamEndpoint> Healthy { get; }

    public ILoadBalancer Balancer { get; }

    internal UpstreamPool Pool { get; }

    /// <summary>Whether requests to this cluster speak HTTP/2 (h2c) upstream: declared HTTP2/gRPC ports.</summary>
    public bool UpstreamHttp2 => Cluster.Protocol is "HTTP2" or "GRPC";

    public bool IsHashed => Cluster.Hash is not null;
}
