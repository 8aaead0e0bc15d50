using Causeway.Protocol.V1;
using Causeway.Proxy.Resilience;

namespace Causeway.Proxy.Runtime;

/// <summary>
/// What a cluster keeps across snapshots while it exists: its circuit breakers (requests in flight keep counting),
/// its outlier detector and its counters. Settings from a new snapshot apply from the next request.
/// </summary>
public sealed class ClusterState(Cluster cluster, TimeProvider time)
{
    public CircuitBreaker Breaker { get; } = new(cluster.ConnectionPool);

    public OutlierDetector? Outlier { get; private set; } = cluster.OutlierDetection is { } od ? new OutlierDetector(od, time) : null;

    public ClusterCounters Counters { get; } = new();

    public TimeProvider Time { get; } = time;

    public void Update(Cluster cluster)
    {
        Breaker.Update(cluster.ConnectionPool);
        if (cluster.OutlierDetection is null)
        {
            Outlier = null;
        }
        else if (Outlier is null)
        {
            Outlier = new OutlierDetector(cluster.OutlierDetection, Time);
        }
        else
        {
            Outlier.Update(cluster.OutlierDetection);
        }
    }
}
