using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;
using Causeway.Proxy.Resilience;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.Resilience;

/// <summary>Envoy's outlier detection state machine (Istio's OutlierDetection), driven by an injected clock.</summary>
public sealed class OutlierDetectorTests
{
    private readonly ManualTime time = new();

    private static OutlierDetection Settings(uint consecutive5xx = 5, uint gateway = 0, uint maxPercent = 100, bool split = false, uint local = 5) => new()
    {
        Consecutive5Xx = consecutive5xx,
        ConsecutiveGatewayErrors = gateway,
        ConsecutiveLocalOriginFailures = local,
        SplitExternalLocalOriginErrors = split,
        IntervalMs = 10_000,
        BaseEjectionTimeMs = 30_000,
        MaxEjectionPercent = maxPercent,
    };

    private static UpstreamEndpoint[] Hosts(int n) => Enumerable.Range(1, n).Select(i => new UpstreamEndpoint(new Endpoint { Address = "10.0.0." + i, Port = 80, Healthy = true })).ToArray();

    [Fact]
    public void Five_consecutive_5xx_eject_a_host_and_a_success_in_between_resets_the_streak()
    {
        // Istio's default consecutive5xxErrors is 5.
        var hosts = Hosts(3);
        var od = new OutlierDetector(Settings(), time);
        for (var i = 0; i < 4; i++)
        {
            Assert.False(od.Report(hosts[0], AttemptOutcome.Of(503), hosts));
        }

        Assert.False(od.Report(hosts[0], AttemptOutcome.Of(200), hosts));
        for (var i = 0; i < 4; i++)
        {
            Assert.False(od.Report(hosts[0], AttemptOutcome.Of(500), hosts));
        }

        Assert.True(od.Report(hosts[0], AttemptOutcome.Of(502), hosts));
        Assert.True(od.IsEjected(hosts[0]));
    }

    [Fact]
    public void The_ejection_lasts_base_time_times_ejections_in_a_row_and_the_count_decays_per_healthy_interval()
    {
        var hosts = Hosts(2);
        var od = new OutlierDetector(Settings(consecutive5xx: 1), time);
        Assert.True(od.Report(hosts[0], AttemptOutcome.Of(503), hosts));
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(od.IsEjected(hosts[0]));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(od.IsEjected(hosts[0])); // back after 30 s

        Assert.True(od.Report(hosts[0], AttemptOutcome.Of(503), hosts)); // again at once: 2 × 30 s
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(od.IsEjected(hosts[0]));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(od.IsEjected(hosts[0]));

        time.Advance(TimeSpan.FromSeconds(20)); // two healthy intervals: the multiplier drops from 2 to 0
        Assert.True(od.Report(hosts[0], AttemptOutcome.Of(503), hosts));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(od.IsEjected(hosts[0])); // 1 × 30 s again
    }

    [Fact]
    public void Max_ejection_percent_limits_ejections_but_one_host_may_always_go()
    {
        var hosts = Hosts(4);
        var od = new OutlierDetector(Settings(consecutive5xx: 1, maxPercent: 10), time);
        Assert.True(od.Report(hosts[0], AttemptOutcome.Of(503), hosts)); // 10% of 4 is 0.4 hosts, but one is allowed
        Assert.False(od.Report(hosts[1], AttemptOutcome.Of(503), hosts));
        Assert.False(od.IsEjected(hosts[1]));

        var half = new OutlierDetector(Settings(consecutive5xx: 1, maxPercent: 50), time);
        var more = Hosts(4);
        Assert.True(half.Report(more[0], AttemptOutcome.Of(503), more));
        Assert.True(half.Report(more[1], AttemptOutcome.Of(503), more));
        Assert.False(half.Report(more[2], AttemptOutcome.Of(503), more));
    }

    [Fact]
    public void Gateway_errors_count_only_502_503_504()
    {
        var hosts = Hosts(2);
        var od = new OutlierDetector(Settings(consecutive5xx: 0, gateway: 2), time);
        Assert.False(od.Report(hosts[0], AttemptOutcome.Of(500), hosts));
        Assert.False(od.Report(hosts[0], AttemptOutcome.Of(500), hosts));
        Assert.False(od.Report(hosts[0], AttemptOutcome.Of(504), hosts));
        Assert.True(od.Report(hosts[0], AttemptOutcome.Of(503), hosts));
    }

    [Fact]
    public void Local_origin_failures_count_as_5xx_unless_split()
    {
        var hosts = Hosts(2);
        var joined = new OutlierDetector(Settings(consecutive5xx: 2), time);
        Assert.False(joined.Report(hosts[0], new AttemptOutcome(AttemptKind.ConnectFailure), hosts));
        Assert.True(joined.Report(hosts[0], new AttemptOutcome(AttemptKind.Reset), hosts));

        // Split: local-origin failures have their own streak (consecutiveLocalOriginFailures); a response from the
        // host, even a 5xx, means it was reached and ends that streak (Envoy's local-origin success).
        var split = new OutlierDetector(Settings(consecutive5xx: 2, split: true, local: 3), time);
        Assert.False(split.Report(hosts[1], new AttemptOutcome(AttemptKind.ConnectFailure), hosts));
        Assert.False(split.Report(hosts[1], new AttemptOutcome(AttemptKind.ConnectFailure), hosts));
        Assert.False(split.Report(hosts[1], AttemptOutcome.Of(503), hosts)); // an external 5xx: one on its own streak
        Assert.False(split.Report(hosts[1], new AttemptOutcome(AttemptKind.ConnectFailure), hosts));
        Assert.False(split.Report(hosts[1], new AttemptOutcome(AttemptKind.ConnectFailure), hosts));
        Assert.True(split.Report(hosts[1], new AttemptOutcome(AttemptKind.ConnectFailure), hosts));
    }
}
