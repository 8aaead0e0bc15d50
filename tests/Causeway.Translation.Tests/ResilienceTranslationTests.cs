using Causeway.Translation.Tests.Support;

namespace Causeway.Translation.Tests.Translation;

/// <summary>Retries, timeouts, faults, rate limits and locality priorities as the translation writes them.</summary>
public class ResilienceTranslationTests
{
    private const string Cluster = "outbound|9080||reviews.default.svc.cluster.local";

    [Fact]
    public void No_retries_block_gets_istios_default_policy_and_attempts_0_disables_retries()
    {
        // retry.go: 2 attempts on connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes, other hosts.
        var sim = TestMesh.Load(TestMesh.Service("reviews", "default"), Vs("""
            - match: [{uri: {prefix: /none}}]
              retries: {attempts: 0}
              route: [{destination: {host: reviews}}]
            - route: [{destination: {host: reviews}}]
            """)).Sidecar("a", "default");
        var retry = sim.Send(9080, "reviews").Route!.Retry;
        Assert.Equal(2u, retry.Attempts);
        Assert.Equal(["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"], retry.RetryOn);
        Assert.Empty(retry.RetriableStatusCodes);
        Assert.True(retry.RetryOtherHosts);
        Assert.Null(sim.Send(9080, "reviews", "/none").Route!.Retry);
    }

    [Fact]
    public void Mesh_config_default_http_retry_policy_replaces_the_built_in_default()
    {
        // MeshConfig defaultHttpRetryPolicy: read from the mesh config file as istiod does.
        var policy = Causeway.Api.Analysis.MeshConfigFile.DefaultHttpRetryPolicy("""
            defaultHttpRetryPolicy:
              attempts: 4
              retryOn: "gateway-error,503"
              perTryTimeout: 2s
            """);
        var loaded = TestMesh.Load(TestMesh.Service("reviews", "default"), Vs("""
            - match: [{uri: {prefix: /own}}]
              retries: {attempts: 1, retryOn: reset}
              route: [{destination: {host: reviews}}]
            - route: [{destination: {host: reviews}}]
            """));
        var sim = new Mesh.MeshState(loaded.Resources, settings: new Mesh.MeshSettings(policy)).Sidecar("a", "default");
        var retry = sim.Send(9080, "reviews").Route!.Retry;
        Assert.Equal((4u, 2000ul), (retry.Attempts, retry.PerTryTimeoutMs));
        Assert.Equal(["gateway-error", "retriable-status-codes"], retry.RetryOn);
        Assert.Equal([503u], retry.RetriableStatusCodes);
        Assert.Equal(1u, sim.Send(9080, "reviews", "/own").Route!.Retry.Attempts); // a route's own retries still win

        var off = new Mesh.MeshState(loaded.Resources, settings: new Mesh.MeshSettings(Causeway.Api.Analysis.MeshConfigFile.DefaultHttpRetryPolicy("defaultHttpRetryPolicy: {attempts: 0}")));
        Assert.Null(off.Sidecar("a", "default").Send(9080, "reviews").Route!.Retry);
    }

    [Fact]
    public void A_workload_entry_with_health_checks_is_ready_only_with_a_healthy_condition()
    {
        // Istio: proxy.istio.io/health-checks-enabled makes readiness come from status.conditions[Healthy].
        var mesh = TestMesh.Load(TestMesh.Service("reviews", "default", versions: ["v1", "v2"]).Replace(
            "metadata: {name: reviews-v2, namespace: default}",
            "metadata: {name: reviews-v2, namespace: default, annotations: {proxy.istio.io/health-checks-enabled: \"true\"}}", StringComparison.Ordinal));
        var sim = mesh.Sidecar("a", "default");
        var endpoints = sim.Endpoints(Cluster).ToDictionary(e => e.Workload, e => e.Healthy);
        Assert.True(endpoints["default/reviews-v1"]);
        Assert.False(endpoints["default/reviews-v2"]);
    }

    [Fact]
    public void Faults_switch_off_retries_and_timeouts_on_their_route()
    {
        // "timeouts or retries will not be enabled when faults are enabled on the client side"
        var sim = TestMesh.Load(TestMesh.Service("reviews", "default"), Vs("""
            - fault: {delay: {fixedDelay: 1s, percentage: {value: 50}}}
              timeout: 2s
              retries: {attempts: 3}
              route: [{destination: {host: reviews}}]
            """)).Sidecar("a", "default");
        var route = sim.Send(9080, "reviews").Route!;
        Assert.Equal((1000ul, 50d), (route.Fault.DelayMs, route.Fault.DelayPercent));
        Assert.Equal(0ul, route.TimeoutMs);
        Assert.Null(route.Retry);
    }

    [Fact]
    public void The_rate_limit_annotation_gives_each_route_a_bucket_and_a_named_rule_its_own()
    {
        var sim = TestMesh.Load(TestMesh.Service("reviews", "default"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: default
              annotations:
                causeway.io/local-rate-limit: "maxTokens=100"
                causeway.io/local-rate-limit.login: "maxTokens=5,tokensPerFill=1,fillInterval=10s"
            spec:
              hosts: [reviews]
              http:
              - name: login
                match: [{uri: {prefix: /login}}]
                route: [{destination: {host: reviews}}]
              - route: [{destination: {host: reviews}}]
            """).Sidecar("a", "default");
        var login = sim.Send(9080, "reviews", "/login").Route!.RateLimit;
        Assert.Equal((5u, 1u, 10_000ul), (login.MaxTokens, login.TokensPerFill, login.FillIntervalMs));
        var rest = sim.Send(9080, "reviews", "/").Route!.RateLimit;
        Assert.Equal((100u, 100u, 1000ul), (rest.MaxTokens, rest.TokensPerFill, rest.FillIntervalMs));
    }

    [Fact]
    public void Locality_priorities_follow_the_proxys_locality_only_with_outlier_detection()
    {
        var mesh = TestMesh.Load(Localities(), Dr("outlierDetection: {consecutive5xxErrors: 1}"));
        var priorities = Priorities(mesh);
        Assert.Equal(new Dictionary<string, uint> { ["r1/z1/s1"] = 0, ["r1/z1/s2"] = 1, ["r1/z2/s1"] = 2, ["r2/z1/s1"] = 3, ["r3/z1/s1"] = 3 }, priorities);

        var without = Priorities(TestMesh.Load(Localities()));
        Assert.All(without.Values, p => Assert.Equal(0u, p)); // Istio: no failover without outlier detection
    }

    [Fact]
    public void Failover_rules_put_the_target_region_before_other_regions()
    {
        var mesh = TestMesh.Load(Localities(), Dr("""
            outlierDetection: {consecutive5xxErrors: 1}
            loadBalancer: {localityLbSetting: {enabled: true, failover: [{from: r1, to: r3}]}}
            """));
        var p = Priorities(mesh);
        Assert.True(p["r3/z1/s1"] < p["r2/z1/s1"]);
        Assert.Equal(3u, p["r3/z1/s1"]);
        Assert.Equal(4u, p["r2/z1/s1"]);
    }

    [Fact]
    public void Failover_priority_ranks_by_leading_labels_that_match_the_proxy()
    {
        var mesh = TestMesh.Load(Localities(), Dr("""
            outlierDetection: {consecutive5xxErrors: 1}
            loadBalancer: {localityLbSetting: {failoverPriority: [topology.kubernetes.io/region, topology.kubernetes.io/zone]}}
            """));
        var p = Priorities(mesh);
        Assert.Equal(0u, p["r1/z1/s1"]);
        Assert.Equal(0u, p["r1/z1/s2"]); // subzone is not in the list
        Assert.Equal(1u, p["r1/z2/s1"]);
        Assert.Equal(2u, p["r2/z1/s1"]);
    }

    [Fact]
    public void Distribute_weights_localities_for_a_matching_proxy_and_drops_the_rest()
    {
        // Istio's locality weighted distribution: from r1/z1/* send 80% to r1/z1/*, 20% to r2/*; r1/z2 and r3 get none.
        var mesh = TestMesh.Load(Localities(), Dr("""
            loadBalancer: {localityLbSetting: {distribute: [{from: "r1/z1/*", to: {"r1/z1/*": 80, "r2/*": 20}}]}}
            """));
        var snapshot = Causeway.Translation.ProxySnapshotBuilder.Build(mesh,
            new Causeway.Translation.ProxyRequest(Protocol.V1.ProxyRole.Sidecar, "client", "default", new Dictionary<string, string>(), "127.0.0.9", "default", "r1/z1/s1"));
        var weights = snapshot.Endpoints.Single(e => e.Cluster == Cluster).Endpoints.ToDictionary(e => e.Locality, e => e.LocalityWeight);
        Assert.Equal(new Dictionary<string, uint> { ["r1/z1/s1"] = 40, ["r1/z1/s2"] = 40, ["r2/z1/s1"] = 20 }, weights);

        var elsewhere = Causeway.Translation.ProxySnapshotBuilder.Build(mesh,
            new Causeway.Translation.ProxyRequest(Protocol.V1.ProxyRole.Sidecar, "client", "default", new Dictionary<string, string>(), "127.0.0.9", "default", "r3/z1/s1"));
        Assert.All(elsewhere.Endpoints.Single(e => e.Cluster == Cluster).Endpoints, e => Assert.Equal(0u, e.LocalityWeight)); // from does not match
    }

    private static Dictionary<string, uint> Priorities(Mesh.MeshState mesh)
    {
        var snapshot = Causeway.Translation.ProxySnapshotBuilder.Build(mesh,
            new Causeway.Translation.ProxyRequest(Protocol.V1.ProxyRole.Sidecar, "client", "default", new Dictionary<string, string>(), "127.0.0.9", "default", "r1/z1/s1"));
        return snapshot.Endpoints.Single(e => e.Cluster == Cluster).Endpoints.ToDictionary(e => e.Locality, e => e.Priority);
    }

    private static string Localities()
    {
        var yaml = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: reviews}}

            """;
        var localities = new[] { "r1/z1/s1", "r1/z1/s2", "r1/z2/s1", "r2/z1/s1", "r3/z1/s1" };
        for (var i = 0; i < localities.Length; i++)
        {
            yaml += "---\napiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n" +
                    $"metadata:\n  name: reviews-{i}\n  namespace: default\n" +
                    $"spec:\n  address: 10.1.0.{i + 1}\n  locality: {localities[i]}\n  labels:\n    app: reviews\n";
        }

        return yaml;
    }

    private static string Dr(string policy) => $"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {"{"}name: reviews, namespace: default{"}"}
        spec:
          host: reviews
          trafficPolicy:
        {string.Join("\n", policy.Split('\n').Select(l => "    " + l))}
        """;

    private static string Vs(string http) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {"{"}name: reviews, namespace: default{"}"}
        spec:
          hosts: [reviews]
          http:
        {string.Join("\n", http.Split('\n').Select(l => "  " + l))}
        """;
}
