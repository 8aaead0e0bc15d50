using System.Collections.Concurrent;
using System.Net;
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

    /// <summary>An original destination cluster: hosts are the addresses clients dialled, not listed endpoints.</summary>
    public bool IsOriginalDestination => Cluster.OriginalDestination;

    /// <summary>
    /// The host for an original destination, made on first use and kept so its requests in flight are counted and its
    /// pooled connections reused. Bounded: past the cap the table starts over, as Envoy's cleanup drops hosts that
    /// went unused.
    /// </summary>
    public UpstreamEndpoint OriginalDestinationHost(IPEndPoint destination)
    {
        var key = destination.ToString();
        if (originalHosts.TryGetValue(key, out var host))
        {
            return host;
        }

        if (originalHosts.Count >= MaxOriginalHosts)
        {
            originalHosts.Clear();
        }

        return originalHosts.GetOrAdd(key, _ => new UpstreamEndpoint(new Endpoint
        {
            Address = destination.Address.ToString(),
            Port = (uint)destination.Port,
            Weight = 1,
            Healthy = true,
        }));
    }

    private const int MaxOriginalHosts = 4096;

    private readonly ConcurrentDictionary<string, UpstreamEndpoint> originalHosts = new(StringComparer.Ordinal);
}
