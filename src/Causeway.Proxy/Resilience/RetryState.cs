using Causeway.Proxy.Balancing;

namespace Causeway.Proxy.Resilience;

/// <summary>What to do after an attempt: try again, or stand by its outcome (and whether retries ran out on it).</summary>
public enum RetryDecision
{
    /// <summary>The outcome is final: not retriable, or the retry budget is spent (Envoy's upstream_rq_retry_overflow).</summary>
    Final,

    /// <summary>Retriable, but out of attempts, replayable body or time: final too, flagged URX.</summary>
    Exhausted,

    /// <summary>Back off, then pick a host again (avoiding <see cref="RetryState.Previous"/> when the policy says so).</summary>
    Retry,
}

/// <summary>
/// One request's retry bookkeeping, decided without I/O: how many retries ran, which host to avoid next, and whether
/// the request holds a slot of the cluster's retry budget (circuit breaker max_retries: a slot is held while a retry
/// is in flight and given back when it ends). The forwarder asks <see cref="Decide"/> after each attempt and calls
/// <see cref="End"/> once, whatever happened.
/// </summary>
public struct RetryState
{
    private bool holdsBudget;

    public int Retries { get; private set; }

    /// <summary>The host of the attempt just retried.</summary>
    public UpstreamEndpoint? Previous { get; private set; }

    /// <summary>
    /// Decides after an attempt on <paramref name="host"/>: a retriable outcome is retried while attempts are left,
    /// the body can be sent again and the request is still wanted, and the retry budget has room.
    /// </summary>
    public RetryDecision Decide(RetryConditions? policy, AttemptOutcome outcome, UpstreamEndpoint host, bool canReplay, bool cancelled, CircuitBreaker breaker, ClusterCounters counters)
    {
        if (policy is null || !policy.ShouldRetry(outcome))
        {
            return RetryDecision.Final;
        }

        if (Retries >= policy.Attempts || !canReplay || cancelled)
        {
            return RetryDecision.Exhausted;
        }

        if (holdsBudget)
        {
            breaker.EndRetry(); // the attempt just made was a retry: its budget slot is free again
            holdsBudget = false;
        }

        if (!breaker.TryBeginRetry())
        {
            counters.RetryOverflowed();
            return RetryDecision.Final; // out of retry budget: the outcome stands, without URX
        }

        holdsBudget = true;
        counters.Retry();
        Retries++;
        Previous = host;
        return RetryDecision.Retry;
    }

    /// <summary>Gives back a budget slot still held: the request is over.</summary>
    public void End(CircuitBreaker breaker)
    {
        if (holdsBudget)
        {
            breaker.EndRetry();
            holdsBudget = false;
        }
    }
}
