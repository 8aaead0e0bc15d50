using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;
using Causeway.Proxy.Resilience;
using Causeway.Proxy.Runtime;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.Resilience;

/// <summary>Retry conditions, backoff, the retry buffer, circuit breakers, token buckets and host selection, with injected time and randomness.</summary>
public sealed class StateMachineTests
{
    private readonly ManualTime time = new();

    [Theory]
    [InlineData("5xx", 500, -1, true)]
    [InlineData("5xx", 404, -1, false)]
    [InlineData("gateway-error", 500, -1, false)]
    [InlineData("gateway-error", 504, -1, true)]
    [InlineData("retriable-4xx", 409, -1, true)]
    [InlineData("retriable-4xx", 400, -1, false)]
    [InlineData("unavailable", 200, 14, true)]
    [InlineData("cancelled", 200, 1, true)]
    [InlineData("deadline-exceeded", 200, 4, true)]
    [InlineData("resource-exhausted", 200, 8, true)]
    [InlineData("internal", 200, 13, true)]
    [InlineData("unavailable", 200, 13, false)]
    [InlineData("connect-failure", 503, -1, false)]
    public void Retry_conditions_follow_envoys_retry_on(string retryOn, int status, int grpc, bool retried) =>
        Assert.Equal(retried, new RetryConditions(Policy(retryOn)).ShouldRetry(AttemptOutcome.Of(status, grpc)));

    [Theory]
    [InlineData("connect-failure", AttemptKind.ConnectFailure, true)]
    [InlineData("connect-failure", AttemptKind.Reset, false)]
    [InlineData("reset", AttemptKind.Reset, true)]
    [InlineData("reset", AttemptKind.PerTryTimeout, true)]
    [InlineData("5xx", AttemptKind.ConnectFailure, true)]
    [InlineData("5xx", AttemptKind.PerTryTimeout, true)]
    [InlineData("gateway-error", AttemptKind.Reset, true)]
    [InlineData("refused-stream", AttemptKind.RefusedStream, true)]
    [InlineData("refused-stream", AttemptKind.Reset, false)]
    [InlineData("retriable-status-codes", AttemptKind.ConnectFailure, false)]
    public void Local_failures_are_retried_by_the_conditions_that_cover_them(string retryOn, AttemptKind kind, bool retried) =>
        Assert.Equal(retried, new RetryConditions(Policy(retryOn)).ShouldRetry(new AttemptOutcome(kind)));

    [Fact]
    public void Retriable_status_codes_retry_only_the_listed_codes()
    {
        var policy = Policy("retriable-status-codes");
        policy.RetriableStatusCodes.Add(503);
        var conditions = new RetryConditions(policy);
        Assert.True(conditions.ShouldRetry(AttemptOutcome.Of(503)));
        Assert.False(conditions.ShouldRetry(AttemptOutcome.Of(502)));
    }

    [Fact]
    public void Backoff_is_full_jitter_up_to_base_times_two_to_the_n_minus_one_capped_at_ten_times_base()
    {
        var random = new Random(7);
        var b = TimeSpan.FromMilliseconds(25);
        for (var i = 0; i < 1000; i++)
        {
            Assert.InRange(RetryBackoff.Delay(1, b, random).TotalMilliseconds, 0, 25);
            Assert.InRange(RetryBackoff.Delay(2, b, random).TotalMilliseconds, 0, 75);
            Assert.InRange(RetryBackoff.Delay(10, b, random).TotalMilliseconds, 0, 250);
        }

        var spread = Enumerable.Range(0, 1000).Select(_ => RetryBackoff.Delay(3, b, random).TotalMilliseconds).ToList();
        Assert.True(spread.Min() < 20 && spread.Max() > 150, "jitter spreads the delays over the whole range");
    }

    [Fact]
    public async Task The_retry_buffer_replays_what_was_read_and_continues_with_the_rest()
    {
        using var buffer = new RetryBuffer(new MemoryStream("hello world"u8.ToArray()), 64);
        var first = buffer.NextAttempt();
        var head = new byte[5];
        await first.ReadExactlyAsync(head);
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(head));

        var second = buffer.NextAttempt();
        Assert.Equal("hello world", await new StreamReader(second).ReadToEndAsync());
        var third = buffer.NextAttempt();
        Assert.Equal("hello world", await new StreamReader(third).ReadToEndAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await second.ReadExactlyAsync(new byte[1]));
    }

    [Fact]
    public async Task A_body_past_the_buffer_limit_cannot_be_replayed()
    {
        using var buffer = new RetryBuffer(new MemoryStream(new byte[100]), 64);
        await buffer.NextAttempt().CopyToAsync(Stream.Null);
        Assert.False(buffer.CanReplay);
        Assert.Throws<InvalidOperationException>(() => buffer.NextAttempt());
    }

    [Fact]
    public async Task Circuit_breaker_admits_max_connections_queues_max_pending_and_overflows_the_rest()
    {
        var breaker = new CircuitBreaker(new ConnectionPool { MaxConnections = 1, Http1MaxPendingRequests = 1 });
        Assert.True(await breaker.EnterAsync(http1: true, CancellationToken.None));
        var pending = breaker.EnterAsync(http1: true, CancellationToken.None);
        Assert.False(pending.IsCompleted);
        Assert.False(await breaker.EnterAsync(http1: true, CancellationToken.None)); // overflow: never queued
        breaker.Exit(http1: true); // the connection goes to the pending request
        Assert.True(await pending);
        Assert.Equal(1, breaker.ActiveRequests);
        breaker.Exit(http1: true);
        Assert.Equal(0, breaker.ActiveRequests);
    }

    [Fact]
    public async Task A_cancelled_pending_request_gives_up_its_place()
    {
        var breaker = new CircuitBreaker(new ConnectionPool { MaxConnections = 1, Http1MaxPendingRequests = 1 });
        Assert.True(await breaker.EnterAsync(http1: true, CancellationToken.None));
        using var cancel = new CancellationTokenSource();
        var pending = breaker.EnterAsync(http1: true, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.Equal(0, breaker.PendingRequests);
        breaker.Exit(http1: true);
        Assert.True(await breaker.EnterAsync(http1: true, CancellationToken.None));
    }

    [Fact]
    public async Task Http2_max_requests_caps_requests_in_flight_for_both_protocols()
    {
        var breaker = new CircuitBreaker(new ConnectionPool { Http2MaxRequests = 2 });
        Assert.True(await breaker.EnterAsync(http1: false, CancellationToken.None));
        Assert.True(await breaker.EnterAsync(http1: true, CancellationToken.None));
        Assert.False(await breaker.EnterAsync(http1: false, CancellationToken.None));
    }

    [Fact]
    public void Max_retries_is_a_cluster_wide_budget_of_retries_in_flight()
    {
        var breaker = new CircuitBreaker(new ConnectionPool { MaxRetries = 2 });
        Assert.True(breaker.TryBeginRetry());
        Assert.True(breaker.TryBeginRetry());
        Assert.False(breaker.TryBeginRetry());
        breaker.EndRetry();
        Assert.True(breaker.TryBeginRetry());
    }

    [Fact]
    public void Token_bucket_starts_full_and_refills_per_interval_up_to_the_maximum()
    {
        var bucket = new TokenBucket(maxTokens: 3, tokensPerFill: 2, TimeSpan.FromSeconds(1));
        for (var i = 2; i >= 0; i--)
        {
            Assert.True(bucket.TryTake(time.GetUtcNow(), out var left, out _));
            Assert.Equal(i, left);
        }

        Assert.False(bucket.TryTake(time.GetUtcNow(), out _, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(1), wait);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(bucket.TryTake(time.GetUtcNow(), out _, out _));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(bucket.TryTake(time.GetUtcNow(), out _, out _));
        Assert.True(bucket.TryTake(time.GetUtcNow(), out _, out _));
        Assert.False(bucket.TryTake(time.GetUtcNow(), out _, out _));
        time.Advance(TimeSpan.FromSeconds(10)); // capped at maxTokens
        Assert.Equal(3, Enumerable.Range(0, 5).Count(i => bucket.TryTake(time.GetUtcNow(), out _, out _)));
    }

    [Fact]
    public void Panic_routes_to_every_host_when_too_few_are_available()
    {
        // Istio's minHealthPercent (Envoy's healthy_panic_threshold): below it, health and ejections are ignored.
        var cluster = Cluster(4, minHealth: 50);
        var od = cluster.State.Outlier!;
        Assert.True(od.Report(cluster.Endpoints[0], AttemptOutcome.Of(503), cluster.Healthy));
        Assert.True(od.Report(cluster.Endpoints[1], AttemptOutcome.Of(503), cluster.Healthy));
        var random = new Random(1);
        var picked = Enumerable.Range(0, 200).Select(_ => cluster.Pick(null, null, random)!).ToHashSet();
        Assert.Equal(2, picked.Count); // 2 of 4 available is not below 50%: only the two good hosts

        Assert.True(od.Report(cluster.Endpoints[2], AttemptOutcome.Of(503), cluster.Healthy));
        picked = Enumerable.Range(0, 400).Select(_ => cluster.Pick(null, null, random)!).ToHashSet();
        Assert.Equal(4, picked.Count); // 1 of 4 is below 50%: panic, all four take traffic
    }

    [Fact]
    public void Ejected_hosts_leave_rotation_and_return_when_their_time_is_up()
    {
        var cluster = Cluster(2, minHealth: 0);
        Assert.True(cluster.State.Outlier!.Report(cluster.Endpoints[0], AttemptOutcome.Of(503), cluster.Healthy));
        var random = new Random(2);
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Same(cluster.Endpoints[1], cluster.Pick(null, null, random)));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Contains(cluster.Endpoints[0], Enumerable.Range(0, 50).Select(_ => cluster.Pick(null, null, random)));
    }

    [Fact]
    public void Priorities_take_traffic_by_health_with_envoys_overprovisioning_factor()
    {
        // P0 with 2 hosts, 1 ejected: 50% healthy × 1.4 = 70% of traffic stays in P0, 30% spills to P1.
        var cluster = Cluster(3, minHealth: 0, priorities: [0, 0, 1]);
        Assert.True(cluster.State.Outlier!.Report(cluster.Endpoints[0], AttemptOutcome.Of(503), cluster.Healthy));
        var random = new Random(3);
        var toP1 = Enumerable.Range(0, 10_000).Count(_ => ReferenceEquals(cluster.Pick(null, null, random), cluster.Endpoints[2]));
        Assert.InRange(toP1, 2700, 3300);
    }

    [Fact]
    public void Retry_remote_localities_sends_the_retry_to_another_priority()
    {
        var cluster = Cluster(2, minHealth: 0, priorities: [0, 1]);
        var random = new Random(4);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Same(cluster.Endpoints[0], cluster.Pick(null, null, random)));
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Same(cluster.Endpoints[1], cluster.Pick(null, null, random, skipPriority: 0)));
    }

    [Fact]
    public void Locality_weights_split_traffic_by_weight_and_shift_it_when_a_locality_loses_hosts()
    {
        // Envoy's locality-weighted balancing: weight × available share × 1.4 (capped at 1).
        var cluster = Cluster(4, minHealth: 0, localities: [("east", 75), ("east", 75), ("west", 25), ("west", 25)]);
        var random = new Random(5);
        var east = Enumerable.Range(0, 10_000).Count(_ => cluster.Pick(null, null, random)!.Source.Locality == "east");
        Assert.InRange(east, 7200, 7800);

        Assert.True(cluster.State.Outlier!.Report(cluster.Endpoints[0], AttemptOutcome.Of(503), cluster.Healthy));
        // east now has half its hosts: 75 × 0.7 = 52.5 against west's 25
        east = Enumerable.Range(0, 10_000).Count(_ => cluster.Pick(null, null, random)!.Source.Locality == "east");
        Assert.InRange(east, 6450, 7100);
    }

    private ClusterRuntime Cluster(int hosts, uint minHealth, uint[]? priorities = null, (string Locality, uint Weight)[]? localities = null)
    {
        var definition = new Cluster
        {
            Name = "c",
            LbPolicy = LbPolicy.RoundRobin,
            OutlierDetection = new OutlierDetection { Consecutive5Xx = 1, IntervalMs = 10_000, BaseEjectionTimeMs = 30_000, MaxEjectionPercent = 100, MinHealthPercent = minHealth },
        };
        var endpoints = Enumerable.Range(0, hosts)
            .Select(i => new UpstreamEndpoint(new Endpoint
            {
                Address = "10.0.0." + (i + 1),
                Port = 80,
                Healthy = true,
                Priority = priorities?[i] ?? 0,
                Locality = localities?[i].Locality ?? "",
                LocalityWeight = localities?[i].Weight ?? 0,
            }))
            .ToArray();
        return new ClusterRuntime(definition, endpoints, _ => new RoundRobinBalancer(), new UpstreamPool(new ConnectionPool()), new ClusterState(definition, time));
    }

    private static RetryPolicy Policy(string retryOn)
    {
        var policy = new RetryPolicy { Attempts = 2 };
        policy.RetryOn.Add(retryOn.Split(','));
        return policy;
    }
}
