namespace Causeway.Proxy.Resilience;

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
