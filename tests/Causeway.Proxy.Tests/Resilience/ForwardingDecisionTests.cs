using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;
using Causeway.Proxy.Forwarding;
using Causeway.Proxy.Resilience;
using Causeway.Proxy.Telemetry;

namespace Causeway.Proxy.Tests.Resilience;

/// <summary>
/// The forwarder's decisions, taken without I/O: the retry state (Envoy's retry policy with the circuit breaker's
/// max_retries budget), the fault rolls, the local reply for a failed attempt and how response flags fold.
/// </summary>
public sealed class ForwardingDecisionTests
{
    private static readonly UpstreamEndpoint HostA = new(new Endpoint { Address = "10.0.0.1", Port = 80 });
    private static readonly UpstreamEndpoint HostB = new(new Endpoint { Address = "10.0.0.2", Port = 80 });

    [Fact]
    public void A_retriable_outcome_is_retried_until_istios_attempts_run_out_then_flagged_exhausted()
    {
        var policy = Retry("5xx", attempts: 2);
        var breaker = new CircuitBreaker(null);
        var counters = new ClusterCounters();
        var state = default(RetryState);

        Assert.Equal(RetryDecision.Retry, state.Decide(policy, AttemptOutcome.Of(503), HostA, canReplay: true, cancelled: false, breaker, counters));
        Assert.Same(HostA, state.Previous);
        Assert.Equal(RetryDecision.Retry, state.Decide(policy, AttemptOutcome.Of(503), HostB, canReplay: true, cancelled: false, breaker, counters));
        Assert.Same(HostB, state.Previous);
        // attempts: 2 are retries after the first try (Istio's HTTPRetry.attempts): the third 503 stands, as URX.
        Assert.Equal(RetryDecision.Exhausted, state.Decide(policy, AttemptOutcome.Of(503), HostA, canReplay: true, cancelled: false, breaker, counters));
        Assert.Equal(2, state.Retries);
        Assert.Equal(2, counters.Retries);
    }

    [Fact]
    public void An_outcome_the_policy_does_not_cover_is_final_without_urx()
    {
        var state = default(RetryState);
        Assert.Equal(RetryDecision.Final, state.Decide(Retry("5xx", 3), AttemptOutcome.Of(404), HostA, true, false, new CircuitBreaker(null), new ClusterCounters()));
        Assert.Equal(RetryDecision.Final, state.Decide(null, AttemptOutcome.Of(503), HostA, true, false, new CircuitBreaker(null), new ClusterCounters()));
        Assert.Equal(0, state.Retries);
    }

    [Theory]
    [InlineData(false, false)] // the body was larger than the retry buffer: it cannot be sent again
    [InlineData(true, true)] // the client left or the route timeout fired
    public void A_retriable_outcome_that_cannot_be_replayed_or_is_no_longer_wanted_is_exhausted(bool canReplay, bool cancelled)
    {
        var state = default(RetryState);
        Assert.Equal(RetryDecision.Exhausted, state.Decide(Retry("5xx", 3), AttemptOutcome.Of(503), HostA, canReplay, cancelled, new CircuitBreaker(null), new ClusterCounters()));
    }

    [Fact]
    public void The_retry_budget_is_held_while_a_retry_runs_and_an_overflow_leaves_the_outcome_standing_without_urx()
    {
        // Envoy's circuit breaker max_retries: retries in flight at once across the cluster.
        var breaker = new CircuitBreaker(new ConnectionPool { MaxRetries = 1 });
        var counters = new ClusterCounters();
        var first = default(RetryState);
        var second = default(RetryState);

        Assert.Equal(RetryDecision.Retry, first.Decide(Retry("5xx", 3), AttemptOutcome.Of(503), HostA, true, false, breaker, counters));
        Assert.Equal(RetryDecision.Final, second.Decide(Retry("5xx", 3), AttemptOutcome.Of(503), HostB, true, false, breaker, counters));
        Assert.Equal(1, counters.RetryOverflow);

        // The first request's retry ends: its slot comes back and another request may retry.
        first.End(breaker);
        Assert.Equal(RetryDecision.Retry, second.Decide(Retry("5xx", 3), AttemptOutcome.Of(503), HostB, true, false, breaker, counters));
        second.End(breaker);
    }

    [Fact]
    public void A_second_retry_of_the_same_request_reuses_its_own_budget_slot()
    {
        var breaker = new CircuitBreaker(new ConnectionPool { MaxRetries = 1 });
        var state = default(RetryState);
        Assert.Equal(RetryDecision.Retry, state.Decide(Retry("5xx", 3), AttemptOutcome.Of(503), HostA, true, false, breaker, new ClusterCounters()));
        Assert.Equal(RetryDecision.Retry, state.Decide(Retry("5xx", 3), AttemptOutcome.Of(503), HostB, true, false, breaker, new ClusterCounters()));
        state.End(breaker);
        Assert.True(breaker.TryBeginRetry()); // nothing leaked
    }

    [Fact]
    public void Fault_rolls_are_the_delay_then_the_abort_each_at_its_own_percentage()
    {
        // Istio's HTTPFaultInjection: delay and abort apply independently, each to its percentage of requests.
        var fault = new Fault { DelayMs = 100, DelayPercent = 50, AbortHttpStatus = 503, AbortPercent = 25 };
        var random = new Random(11);
        int delayed = 0, aborted = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var step = FaultInjection.Decide(fault, random);
            delayed += step.Delay is null ? 0 : 1;
            aborted += step.Abort ? 1 : 0;
        }

        Assert.InRange(delayed, 4_800, 5_200);
        Assert.InRange(aborted, 2_300, 2_700);
        Assert.Equal(new FaultStep(null, false), FaultInjection.Decide(new Fault { DelayMs = 100, DelayPercent = 0 }, random));
    }

    [Theory]
    [InlineData(AttemptKind.ConnectFailure, false, 503, "UF")]
    [InlineData(AttemptKind.PerTryTimeout, false, 504, "UT")]
    [InlineData(AttemptKind.RefusedStream, false, 503, "UR")]
    [InlineData(AttemptKind.Reset, false, 503, "UC")]
    [InlineData(AttemptKind.ConnectFailure, true, 503, "UF,URX")]
    [InlineData(AttemptKind.Reset, true, 503, "UC,URX")]
    public void A_failed_attempt_is_answered_as_envoy_answers_it(AttemptKind kind, bool exhausted, int status, string flags)
    {
        var reply = LocalReply.ForFailedAttempt(kind, exhausted);
        Assert.Equal(status, reply.Status);
        Assert.Equal(flags, reply.Flags);
        Assert.StartsWith(status == 504 ? "upstream request timeout" : "upstream connect error or disconnect/reset before headers", reply.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-", false, false, "-")]
    [InlineData("-", false, true, "URX")] // the last answer after retries ran out
    [InlineData("DC", true, false, "UT")] // the route timeout covers the whole response
    [InlineData("DC", false, false, "DC")] // the client went away
    [InlineData("UR", false, true, "UR")] // a reset mid-response is what the client saw
    public void Response_flags_fold_after_the_response_streamed(string flags, bool routeTimeoutFired, bool exhausted, string expected) =>
        Assert.Equal(expected, ResponseFlags.AfterResponse(flags, routeTimeoutFired, exhausted));

    [Theory]
    [InlineData("-", "-", "-")]
    [InlineData("DI", "-", "DI")]
    [InlineData("DI", "FI", "DI,FI")]
    [InlineData("-", "UH", "UH")]
    public void Flags_join_as_envoy_prints_them(string a, string b, string joined) => Assert.Equal(joined, ResponseFlags.Join(a, b));

    private static RetryConditions Retry(string retryOn, int attempts)
    {
        var policy = new RetryPolicy { Attempts = (uint)attempts };
        policy.RetryOn.Add(retryOn.Split(','));
        return new RetryConditions(policy);
    }
}
