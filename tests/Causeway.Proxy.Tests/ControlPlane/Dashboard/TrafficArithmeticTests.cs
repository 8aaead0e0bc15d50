using Causeway.ControlPlane.Dashboard;

namespace Causeway.Proxy.Tests.ControlPlane.Dashboard;

/// <summary>
/// The dashboard's numbers from the proxies' own exposition text: Prometheus' text format, rate() as the increase
/// over the window, histogram_quantile's interpolation, and /clusters' health lines.
/// </summary>
public sealed class TrafficArithmeticTests
{
    private const string Labels = "reporter=\"source\",source_workload=\"productpage-v1\",source_workload_namespace=\"bookinfo\",destination_service=\"reviews.bookinfo.svc.cluster.local\",destination_workload=\"reviews-v1\",destination_workload_namespace=\"bookinfo\"";

    private static string Exposition(double ok, double errors, double fi, double[] buckets) =>
        $$"""
        # HELP istio_requests_total Requests.
        # TYPE istio_requests_total counter
        istio_requests_total{{{Labels}},response_code="200",response_flags="-",connection_security_policy="unknown"} {{ok}}
        istio_requests_total{{{Labels}},response_code="500",response_flags="FI",connection_security_policy="unknown"} {{fi}}
        istio_requests_total{{{Labels}},response_code="503",response_flags="UH",connection_security_policy="unknown"} {{errors}}
        istio_request_duration_milliseconds_bucket{{{Labels}},response_code="200",le="1"} {{buckets[0]}}
        istio_request_duration_milliseconds_bucket{{{Labels}},response_code="200",le="5"} {{buckets[1]}}
        istio_request_duration_milliseconds_bucket{{{Labels}},response_code="200",le="10"} {{buckets[2]}}
        istio_request_duration_milliseconds_bucket{{{Labels}},response_code="200",le="+Inf"} {{buckets[3]}}
        istio_request_duration_milliseconds_sum{{{Labels}},response_code="200"} 1234
        some_other_metric{a="b"} 7
        """;

    [Fact]
    public void Text_format_labels_escapes_and_timestamps_are_read_and_malformed_lines_skipped()
    {
        var samples = PrometheusText.Read("""
            m{a="x\"y",b="back\\slash",c="line\nbreak"} 3 1700000000000
            m{} +Inf
            m 2.5e3
            m{a="unterminated} 1
            m{a="v"} not-a-number
            other 1
            """, n => n == "m").ToList();
        Assert.Equal(3, samples.Count);
        Assert.Equal("x\"y", samples[0].Labels["a"]);
        Assert.Equal("back\\slash", samples[0].Labels["b"]);
        Assert.Equal("line\nbreak", samples[0].Labels["c"]);
        Assert.Equal(3, samples[0].Value);
        Assert.True(double.IsPositiveInfinity(samples[1].Value));
        Assert.Equal(2500, samples[2].Value);
    }

    [Fact]
    public void Counters_add_up_per_edge_with_errors_flags_and_buckets_over_response_codes()
    {
        var edges = TrafficCounters.FromExposition(Exposition(90, 4, 6, [10, 50, 80, 90]));
        var (key, c) = Assert.Single(edges);
        Assert.Equal(new EdgeKey("source", "productpage-v1", "bookinfo", "reviews.bookinfo.svc.cluster.local", "reviews-v1", "bookinfo"), key);
        Assert.True(key.CountsForGraph);
        Assert.Equal(100, c.Requests);
        Assert.Equal(10, c.Errors); // 500 FI and 503 UH; the 200s are not errors
        Assert.Equal(6, c.Flags["FI"]);
        Assert.Equal(4, c.Flags["UH"]);
        Assert.False(c.Flags.ContainsKey("-"));
        Assert.Equal(90, c.Buckets[double.PositiveInfinity]);
    }

    [Fact]
    public void Rates_are_the_increase_over_the_window_and_a_restarted_proxy_counts_from_zero()
    {
        var window = new TrafficWindow(TimeSpan.FromSeconds(10));
        var t0 = DateTimeOffset.UnixEpoch;
        window.Add(t0, TrafficCounters.FromExposition(Exposition(100, 0, 0, [10, 50, 80, 100])));
        window.Add(t0.AddSeconds(5), TrafficCounters.FromExposition(Exposition(150, 10, 0, [20, 80, 140, 150])));
        var rates = new Dictionary<EdgeKey, EdgeRate>();
        window.AddRatesTo(rates);
        var rate = Assert.Single(rates).Value;
        Assert.Equal(12, rate.RequestsPerSecond, 3); // (160 - 100) / 5 s
        Assert.Equal(2, rate.ErrorsPerSecond, 3);
        Assert.Equal(10.0 / 60, rate.ErrorRate, 3);
        Assert.Equal(10, rate.Flags["UH"]);

        // The proxy restarted: its counters went down, so what they say now is the increase.
        window.Add(t0.AddSeconds(20), TrafficCounters.FromExposition(Exposition(30, 0, 0, [30, 30, 30, 30])));
        rates.Clear();
        window.AddRatesTo(rates);
        Assert.Equal(30 / 15.0, rates.Single().Value.RequestsPerSecond, 3); // oldest kept: t0+5 s (one scrape older than the span)
    }

    [Fact]
    public void Quantiles_interpolate_within_the_bucket_as_histogram_quantile_does()
    {
        var rate = new EdgeRate();
        rate.Buckets[1] = 10;
        rate.Buckets[5] = 60;
        rate.Buckets[10] = 90;
        rate.Buckets[double.PositiveInfinity] = 100;
        Assert.Equal(1 + (4 * (50 - 10) / 50.0), rate.Quantile(0.5)!.Value, 6); // rank 50 in (1, 5]: 40 of its 50
        Assert.Equal(10, rate.Quantile(0.99)!.Value, 6); // in +Inf: the highest finite bound
        Assert.Null(new EdgeRate().Quantile(0.5));
    }

    [Fact]
    public void Clusters_page_gives_health_per_endpoint_also_for_IPv6_addresses()
    {
        var views = ClusterHealth.Parse("""
            outbound|9080|v1|reviews.bookinfo.svc.cluster.local::lb_policy::LeastRequest
            outbound|9080|v1|reviews.bookinfo.svc.cluster.local::127.0.10.3:9080::health_flags::healthy
            outbound|9080|v1|reviews.bookinfo.svc.cluster.local::127.0.10.3:9080::workload::bookinfo/reviews-v1
            outbound|9080|v2|reviews.bookinfo.svc.cluster.local::[::1]:9080::health_flags::/failed_outlier_check
            outbound|9080|v2|reviews.bookinfo.svc.cluster.local::[::1]:9080::rq_active::0
            inbound|9080||reviews.bookinfo.svc.cluster.local::127.0.0.1:19083::health_flags::/failed_eds_health
            """).OrderBy(v => v.Cluster, StringComparer.Ordinal).ToList();
        Assert.Equal(3, views.Count);
        var inbound = views[0];
        Assert.False(inbound.Healthy);
        Assert.False(inbound.Ejected);
        var v1 = views.Single(v => v.Address == "127.0.10.3:9080");
        Assert.True(v1.Healthy);
        Assert.Equal("bookinfo/reviews-v1", v1.Workload);
        Assert.Equal(("v1", "reviews.bookinfo.svc.cluster.local"), ClusterHealth.Outbound(v1.Cluster));
        var v2 = views.Single(v => v.Address == "[::1]:9080");
        Assert.True(v2.Ejected);
        Assert.Null(ClusterHealth.Outbound("inbound|9080||reviews.bookinfo.svc.cluster.local"));
    }
}
