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

/// <summary>Per-cluster counters of what resilience did, so a proxy's own 503 can be told from the application's.</summary>
public sealed class ClusterCounters
{
    private long retries;
    private long retryOverflow;
    private long overflow;
    private long pendingOverflow;
    private long timeouts;
    private long perTryTimeouts;
    private long ejections;
    private long rateLimited;
    private long faultsDelayed;
    private long faultsAborted;

    public long Retries => Interlocked.Read(ref retries);

    public long RetryOverflow => Interlocked.Read(ref retryOverflow);

    public long Overflow => Interlocked.Read(ref overflow);

    public long PendingOverflow => Interlocked.Read(ref pendingOverflow);

    public long Timeouts => Interlocked.Read(ref timeouts);

    public long PerTryTimeouts => Interlocked.Read(ref perTryTimeouts);

    public long Ejections => Interlocked.Read(ref ejections);

    public long RateLimited => Interlocked.Read(ref rateLimited);

    public long FaultsDelayed => Interlocked.Read(ref faultsDelayed);

    public long FaultsAborted => Interlocked.Read(ref faultsAborted);

    public void Retry() => Interlocked.Increment(ref retries);

    public void RetryOverflowed() => Interlocked.Increment(ref retryOverflow);

    public void Overflowed(bool pending)
    {
        Interlocked.Increment(ref overflow);
        if (pending)
        {
            Interlocked.Increment(ref pendingOverflow);
        }
    }

    public void TimedOut() => Interlocked.Increment(ref timeouts);

    public void PerTryTimedOut() => Interlocked.Increment(ref perTryTimeouts);

    public void Ejected() => Interlocked.Increment(ref ejections);

    public void RateLimit() => Interlocked.Increment(ref rateLimited);

    public void FaultDelayed() => Interlocked.Increment(ref faultsDelayed);

    public void FaultAborted() => Interlocked.Increment(ref faultsAborted);

    /// <summary>Name and value of each counter, in Envoy's cluster stat names where one exists.</summary>
    public IEnumerable<(string Name, long Value)> All()
    {
        yield return ("upstream_rq_retry", Retries);
        yield return ("upstream_rq_retry_overflow", RetryOverflow);
        yield return ("upstream_rq_overflow", Overflow);
        yield return ("upstream_rq_pending_overflow", PendingOverflow);
        yield return ("upstream_rq_timeout", Timeouts);
        yield return ("upstream_rq_per_try_timeout", PerTryTimeouts);
        yield return ("outlier_detection.ejections_enforced_total", Ejections);
        yield return ("ratelimit.rate_limited", RateLimited);
        yield return ("fault.delays_injected", FaultsDelayed);
        yield return ("fault.aborts_injected", FaultsAborted);
    }
}
