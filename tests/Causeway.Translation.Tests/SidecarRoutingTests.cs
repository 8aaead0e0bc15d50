using Causeway.Translation.Tests.Support;

namespace Causeway.Translation.Tests.Translation;

/// <summary>
/// Where requests from a sidecar go, per Istio's documented semantics (../shared/reference/istio-inventory.md
/// sections 1-2). Each test names the behaviour it checks.
/// </summary>
public class SidecarRoutingTests
{
    private static readonly string Corpus = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "istio-corpus", "istio", "samples", "bookinfo", "networking"));

    private static string Bookinfo(string file) => File.ReadAllText(Path.Combine(Corpus, file));

    private static string ReviewsServices() =>
        TestMesh.Service("reviews", "default", 9080, "HTTP", "v1", "v2", "v3") + "---\n" +
        TestMesh.Service("ratings", "default", 9080, "HTTP", "v1", "v2") + "---\n" +
        TestMesh.Service("productpage", "default", 9080, "HTTP", "v1") + "---\n" +
        TestMesh.Service("details", "default", 9080, "HTTP", "v1", "v2");

    [Fact]
    public void Without_a_virtual_service_everything_goes_to_the_service()
    {
        var sim = TestMesh.Load(ReviewsServices()).Sidecar("productpage-v1", "default", ("app", "productpage"));
        var r = sim.Send(9080, "reviews");
        Assert.Equal("forward", r.Outcome);
        Assert.Equal("outbound|9080||reviews.default.svc.cluster.local", r.Cluster);
        Assert.Equal(3, sim.Endpoints(r.Cluster).Count);
    }

    [Fact]
    public void Bookinfo_request_routing_jason_goes_to_reviews_v2_others_to_v1()
    {
        // istio.io request-routing task: virtual-service-reviews-test-v2.yaml
        var sim = TestMesh.Load(ReviewsServices(), Bookinfo("destination-rule-all.yaml"), Bookinfo("virtual-service-reviews-test-v2.yaml"))
            .Sidecar("productpage-v1", "default", ("app", "productpage"));
        var jason = sim.Send(9080, "reviews:9080", "/reviews/0", headers: new Dictionary<string, string> { ["end-user"] = "jason" });
        Assert.Equal("outbound|9080|v2|reviews.default.svc.cluster.local", jason.Cluster);
        Assert.Equal("outbound|9080|v1|reviews.default.svc.cluster.local", sim.Send(9080, "reviews:9080", "/reviews/0").Cluster);
        var v2 = Assert.Single(sim.Endpoints(jason.Cluster));
        Assert.Equal("v2", v2.Labels["version"]);
    }

    [Theory]
    [InlineData("virtual-service-reviews-50-v3.yaml", "v1", 50, "v3", 50)]
    [InlineData("virtual-service-reviews-80-20.yaml", "v1", 80, "v2", 20)]
    [InlineData("virtual-service-reviews-90-10.yaml", "v1", 90, "v2", 10)]
    public void Traffic_shifting_keeps_the_relative_weights(string file, string a, uint wa, string b, uint wb)
    {
        var sim = TestMesh.Load(ReviewsServices(), Bookinfo("destination-rule-all.yaml"), Bookinfo(file)).Sidecar("productpage-v1", "default", ("app", "productpage"));
        var r = sim.Send(9080, "reviews");
        Assert.Equal(
            [($"outbound|9080|{a}|reviews.default.svc.cluster.local", wa), ($"outbound|9080|{b}|reviews.default.svc.cluster.local", wb)],
            r.Clusters.Select(c => (c.Cluster, c.Weight)).ToArray());
    }

    [Fact]
    public void Short_names_resolve_in_the_virtual_services_namespace_not_the_callers()
    {
        var mesh = TestMesh.Load(TestMesh.Service("api", "prod"), TestMesh.Service("api", "test"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: api, namespace: prod}
            spec:
              hosts: [api]
              http:
              - route:
                - destination: {host: api}
            """);
        var sim = mesh.Sidecar("client", "test", ("app", "client"));
        Assert.Equal("outbound|9080||api.prod.svc.cluster.local", sim.Send(9080, "api.prod.svc.cluster.local").Cluster);
        Assert.Equal("outbound|9080||api.test.svc.cluster.local", sim.Send(9080, "api").Cluster);
    }

    [Fact]
    public void First_match_wins_a_catch_all_first_shadows_later_rules()
    {
        // routing.go "catch all route short circuit the other routes"
        var sim = TestMesh.Load(TestMesh.Service("b", "default"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: b, namespace: default}
            spec:
              hosts: [b]
              http:
              - match: [{uri: {regex: '.*'}}]
                fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                route: [{destination: {host: b}}]
              - route: [{destination: {host: b}}]
            """).Sidecar("a", "default");
        var r = sim.Send(9080, "b", "/anything");
        Assert.Equal(418u, r.Route!.Fault.AbortHttpStatus);
    }

    [Fact]
    public void Matches_on_method_headers_presence_without_headers_query_and_ignore_case()
    {
        var sim = TestMesh.Load(TestMesh.Service("b", "default", 9080, "HTTP", "v1", "v2", "v3", "v4", "v5"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: b, namespace: default}
            spec:
              host: b
              subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}, {name: v4, labels: {version: v4}}, {name: v5, labels: {version: v5}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: b, namespace: default}
            spec:
              hosts: [b]
              http:
              - match: [{method: {exact: POST}, uri: {prefix: /api}}]
                route: [{destination: {host: b, subset: v1}}]
              - match: [{headers: {x-canary: {}}}]
                route: [{destination: {host: b, subset: v2}}]
              - match: [{queryParams: {debug: {exact: "1"}}}]
                route: [{destination: {host: b, subset: v3}}]
              - match: [{uri: {exact: /Login}, ignoreUriCase: true}]
                route: [{destination: {host: b, subset: v4}}]
              - match: [{withoutHeaders: {x-user: {exact: admin}}, uri: {regex: '/items/[0-9]+'}}]
                route: [{destination: {host: b, subset: v5}}]
            """).Sidecar("a", "default");
        string Subset(Simulation.Result r) => r.Clusters.Count == 0 ? r.Outcome : r.Cluster.Split('|')[2];
        Assert.Equal("v1", Subset(sim.Send(9080, "b", "/api/x", "POST")));
        Assert.Equal("v2", Subset(sim.Send(9080, "b", "/api/x", "GET", new Dictionary<string, string> { ["x-canary"] = "" })));
        Assert.Equal("v3", Subset(sim.Send(9080, "b", "/x?a=b&debug=1")));
        Assert.Equal("v4", Subset(sim.Send(9080, "b", "/LOGIN")));
        Assert.Equal("v5", Subset(sim.Send(9080, "b", "/items/42")));
        Assert.Equal("404 NR (no route)", sim.Send(9080, "b", "/items/42", headers: new Dictionary<string, string> { ["x-user"] = "admin" }).Outcome);
        Assert.Equal("404 NR (no route)", sim.Send(9080, "b", "/items/4x2").Outcome); // regex must match the whole path
    }

    [Fact]
    public void Unknown_host_is_404_NR()
    {
        var sim = TestMesh.Load(TestMesh.Service("b", "default")).Sidecar("a", "default");
        Assert.Equal("404 NR (no virtual host)", sim.Send(9080, "nowhere.example.com").Outcome); // not captured: ALLOW_ANY has nowhere to pass it
    }

    [Fact]
    public void A_subset_no_destination_rule_defines_gets_no_cluster_so_the_proxy_answers_503_NC()
    {
        // istio/istio#15226: an unknown subset is accepted by Istio and fails at run time with NC.
        var sim = TestMesh.Load(TestMesh.Service("b", "default"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: b, namespace: default}
            spec:
              hosts: [b]
              http: [{route: [{destination: {host: b, subset: v9}}]}]
            """).Sidecar("a", "default");
        var r = sim.Send(9080, "b");
        Assert.Equal("outbound|9080|v9|b.default.svc.cluster.local", r.Cluster);
        Assert.Null(sim.Cluster(r.Cluster));
    }

    [Fact]
    public void Virtual_service_bound_only_to_a_gateway_does_not_affect_sidecars()
    {
        // istio.io ingress-control warning: gateways: [gw] means gateway only, internal traffic is NOT affected.
        var mesh = TestMesh.Load(TestMesh.Service("b", "default", 9080, "HTTP", "v1", "v2"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: b, namespace: default}
            spec: {host: b, subsets: [{name: v2, labels: {version: v2}}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: b, namespace: default}
            spec:
              hosts: [b]
              gateways: [gw]
              http: [{route: [{destination: {host: b, subset: v2}}]}]
            """);
        Assert.Equal("outbound|9080||b.default.svc.cluster.local", mesh.Sidecar("a", "default").Send(9080, "b").Cluster);
    }

    [Fact]
    public void Per_match_gateways_override_the_top_level_list()
    {
        var mesh = TestMesh.Load(TestMesh.Service("b", "default", 9080, "HTTP", "v1", "v2"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: b, namespace: default}
            spec: {host: b, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: b, namespace: default}
            spec:
              hosts: [b]
              gateways: [mesh, gw]
              http:
              - match: [{gateways: [gw]}]
                route: [{destination: {host: b, subset: v2}}]
              - route: [{destination: {host: b, subset: v1}}]
            """);
        Assert.Equal("outbound|9080|v1|b.default.svc.cluster.local", mesh.Sidecar("a", "default").Send(9080, "b").Cluster);
    }

    [Fact]
    public void Source_labels_select_which_workloads_get_a_rule()
    {
        var mesh = TestMesh.Load(TestMesh.Service("ratings", "default", 9080, "HTTP", "v1", "v2"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings, namespace: default}
            spec: {host: ratings, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: ratings, namespace: default}
            spec:
              hosts: [ratings]
              http:
              - match: [{sourceLabels: {app: reviews, version: v2}}]
                route: [{destination: {host: ratings, subset: v2}}]
              - route: [{destination: {host: ratings, subset: v1}}]
            """);
        Assert.Equal("outbound|9080|v2|ratings.default.svc.cluster.local", mesh.Sidecar("reviews-v2", "default", ("app", "reviews"), ("version", "v2")).Send(9080, "ratings").Cluster);
        Assert.Equal("outbound|9080|v1|ratings.default.svc.cluster.local", mesh.Sidecar("reviews-v1", "default", ("app", "reviews"), ("version", "v1")).Send(9080, "ratings").Cluster);
    }

    [Fact]
    public void The_oldest_virtual_service_wins_in_sidecars_there_is_no_merge()
    {
        // istio/istio#36621, IST0109: only one VirtualService per host takes effect for the mesh, the oldest.
        var mesh = TestMesh.Load(TestMesh.Service("b", "default", 9080, "HTTP", "v1", "v2"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: b, namespace: default}
            spec: {host: b, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: newer, namespace: default, creationTimestamp: "2026-02-01T00:00:00Z"}
            spec: {hosts: [b], http: [{route: [{destination: {host: b, subset: v2}}]}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: older, namespace: default, creationTimestamp: "2026-01-01T00:00:00Z"}
            spec: {hosts: [b], http: [{route: [{destination: {host: b, subset: v1}}]}]}
            """);
        var r = mesh.Sidecar("a", "default").Send(9080, "b");
        Assert.Equal("outbound|9080|v1|b.default.svc.cluster.local", r.Cluster);
        Assert.Equal("older", r.Route!.Origin.Name);
    }

    [Fact]
    public void An_exact_host_beats_a_wildcard_host()
    {
        var mesh = TestMesh.Load(TestMesh.Service("b", "default", 9080, "HTTP", "v1", "v2"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: b, namespace: default}
            spec: {host: b, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: wildcard, namespace: default, creationTimestamp: "2025-01-01T00:00:00Z"}
            spec: {hosts: ['*.default.svc.cluster.local'], http: [{route: [{destination: {host: b, subset: v2}}]}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: exact, namespace: default, creationTimestamp: "2026-01-01T00:00:00Z"}
            spec: {hosts: [b], http: [{route: [{destination: {host: b, subset: v1}}]}]}
            """);
        Assert.Equal("exact", mesh.Sidecar("a", "default").Send(9080, "b").Route!.Origin.Name);
    }

    [Fact]
    public void Export_to_dot_hides_a_virtual_service_from_other_namespaces()
    {
        var mesh = TestMesh.Load(TestMesh.Service("b", "default", 9080, "HTTP", "v1", "v2"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: b, namespace: default}
            spec: {host: b, subsets: [{name: v2, labels: {version: v2}}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: b, namespace: default}
            spec: {hosts: [b], exportTo: ['.'], http: [{route: [{destination: {host: b, subset: v2}}]}]}
            """);
        Assert.Equal("outbound|9080|v2|b.default.svc.cluster.local", mesh.Sidecar("a", "default").Send(9080, "b").Cluster);
        Assert.Equal("outbound|9080||b.default.svc.cluster.local", mesh.Sidecar("x", "other").Send(9080, "b.default.svc.cluster.local").Cluster);
    }

    [Fact]
    public void Export_to_dot_hides_a_service_entry_from_other_namespaces()
    {
        var mesh = TestMesh.Load(TestMesh.Service("b", "default").Replace("workloadSelector:", "exportTo: ['.']\n  workloadSelector:", StringComparison.Ordinal));
        Assert.Equal("forward", mesh.Sidecar("a", "default").Send(9080, "b").Outcome);
        Assert.Equal("no listener", mesh.Sidecar("x", "other").Send(9080, "b.default.svc.cluster.local").Outcome);
    }

    [Fact]
    public void Sidecar_egress_hosts_limit_what_a_workload_can_reach()
    {
        var mesh = TestMesh.Load(TestMesh.Service("b", "default"), TestMesh.Service("c", "other", 9090), """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: default}
            spec:
              egress:
              - hosts: ['./*']
            """);
        var sim = mesh.Sidecar("a", "default");
        Assert.Equal("forward", sim.Send(9080, "b").Outcome);
        Assert.Equal("no listener", sim.Send(9090, "c.other.svc.cluster.local").Outcome);
        Assert.Equal("forward", mesh.Sidecar("z", "other").Send(9090, "c").Outcome); // the Sidecar is default's only
    }

    [Fact]
    public void An_egress_listener_with_a_port_covers_only_that_port_and_a_portless_one_the_rest()
    {
        // Istio's Sidecar egress: a listener with a port serves that port for its hosts; one without a port is the
        // catch-all for ports no other listener names; a port neither covers gets no listener.
        var twoPorts = TestMesh.Service("b", "default").Replace("ports: [{number: 9080, name: http, protocol: HTTP}]",
            "ports: [{number: 9080, name: http, protocol: HTTP}, {number: 9400, name: tcp, protocol: TCP}]", StringComparison.Ordinal);
        var portOnly = TestMesh.Load(twoPorts, TestMesh.Service("c", "other", 9090), """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: default}
            spec:
              egress:
              - port: {number: 9080, protocol: HTTP, name: http}
                hosts: ['*/*']
            """).Sidecar("a", "default");
        Assert.Equal(["outbound_9080"], portOnly.Snapshot.Listeners.Select(l => l.Name));

        var withCatchAll = TestMesh.Load(twoPorts, TestMesh.Service("c", "other", 9090), """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: default}
            spec:
              egress:
              - port: {number: 9080, protocol: HTTP, name: http}
                hosts: ['./*']
              - hosts: ['other/*']
            """).Sidecar("a", "default");
        Assert.Equal(["outbound_9080", "outbound_9090"], withCatchAll.Snapshot.Listeners.Select(l => l.Name).Order());
        Assert.Equal("forward", withCatchAll.Send(9090, "c.other.svc.cluster.local").Outcome);
    }

    [Fact]
    public void Delegate_virtual_service_routes_are_inlined_under_the_parent_match()
    {
        var mesh = TestMesh.Load(TestMesh.Service("b", "default", 9080, "HTTP", "v1", "v2"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: b, namespace: default}
            spec: {host: b, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: root, namespace: default}
            spec:
              hosts: [b]
              http:
              - match: [{uri: {prefix: /api}}]
                delegate: {name: api-routes}
              - route: [{destination: {host: b, subset: v1}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: api-routes, namespace: default}
            spec:
              http:
              - match: [{uri: {prefix: /api/v2}}]
                route: [{destination: {host: b, subset: v2}}]
            """);
        var sim = mesh.Sidecar("a", "default");
        Assert.Equal("outbound|9080|v2|b.default.svc.cluster.local", sim.Send(9080, "b", "/api/v2/x").Cluster);
        Assert.Equal("api-routes", sim.Send(9080, "b", "/api/v2/x").Route!.Origin.Name);
        Assert.Equal("outbound|9080|v1|b.default.svc.cluster.local", sim.Send(9080, "b", "/other").Cluster);
    }

    [Fact]
    public void Destination_rule_lookup_prefers_the_client_namespace_then_the_service_namespace_then_root()
    {
        string Dr(string ns, string lb) => $$$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: b, namespace: {{{ns}}}}
            spec:
              host: b.default.svc.cluster.local
              trafficPolicy:
                loadBalancer:
                  simple: {{{lb}}}

            """;
        var all = TestMesh.Load(TestMesh.Service("b", "default"), Dr("client", "RANDOM"), Dr("default", "ROUND_ROBIN"), Dr("istio-system", "PASSTHROUGH"));
        Assert.Equal(Protocol.V1.LbPolicy.Random, all.Sidecar("a", "client").Cluster("outbound|9080||b.default.svc.cluster.local")!.LbPolicy);
        Assert.Equal(Protocol.V1.LbPolicy.RoundRobin, all.Sidecar("a", "elsewhere").Cluster("outbound|9080||b.default.svc.cluster.local")!.LbPolicy);
        var rootOnly = TestMesh.Load(TestMesh.Service("b", "default"), Dr("istio-system", "PASSTHROUGH"), Dr("unrelated", "RANDOM"));
        Assert.Equal(Protocol.V1.LbPolicy.Passthrough, rootOnly.Sidecar("a", "client").Cluster("outbound|9080||b.default.svc.cluster.local")!.LbPolicy);
    }

    [Fact]
    public void Subset_policy_overrides_the_rules_policy_group_by_group_and_port_level_settings_apply()
    {
        var mesh = TestMesh.Load(TestMesh.Service("b", "default", 9080, "HTTP", "v1", "v2"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: b, namespace: default}
            spec:
              host: b
              trafficPolicy:
                loadBalancer: {simple: ROUND_ROBIN}
                connectionPool: {tcp: {maxConnections: 100}}
                portLevelSettings:
                - port: {number: 9080}
                  connectionPool: {tcp: {maxConnections: 7}}
              subsets:
              - name: v2
                labels: {version: v2}
                trafficPolicy:
                  loadBalancer: {simple: RANDOM}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: b, namespace: default}
            spec: {hosts: [b], http: [{route: [{destination: {host: b, subset: v2}, weight: 1}, {destination: {host: b}, weight: 1}]}]}
            """);
        var sim = mesh.Sidecar("a", "default");
        var v2 = sim.Cluster("outbound|9080|v2|b.default.svc.cluster.local")!;
        Assert.Equal(Protocol.V1.LbPolicy.Random, v2.LbPolicy); // subset's own
        Assert.Equal(7u, v2.ConnectionPool.MaxConnections); // port-level of the rule, inherited by the subset
        var plain = sim.Cluster("outbound|9080||b.default.svc.cluster.local")!;
        Assert.Equal(Protocol.V1.LbPolicy.RoundRobin, plain.LbPolicy);
        Assert.Single(sim.Endpoints(v2.Name));
    }

    [Fact]
    public void Istio_defaults_are_filled_in_least_request_10s_connect_timeout_default_retries()
    {
        var sim = TestMesh.Load(TestMesh.Service("b", "default")).Sidecar("a", "default");
        var cluster = sim.Cluster("outbound|9080||b.default.svc.cluster.local")!;
        Assert.Equal(Protocol.V1.LbPolicy.LeastRequest, cluster.LbPolicy);
        Assert.Equal(10_000ul, cluster.ConnectionPool.ConnectTimeoutMs);
        Assert.Null(cluster.OutlierDetection);
        var retry = sim.Send(9080, "b").Route!.Retry;
        Assert.Equal(2u, retry.Attempts);
        Assert.Equal(["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"], retry.RetryOn);
        Assert.True(retry.RetryOtherHosts);
        Assert.Equal(0ul, sim.Send(9080, "b").Route!.TimeoutMs);
    }

    [Fact]
    public void Retries_translate_numeric_codes_and_attempts_zero_disables_and_faults_disable_retries_and_timeouts()
    {
        var mesh = TestMesh.Load(TestMesh.Service("b", "default"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: b, namespace: default}
            spec:
              hosts: [b]
              http:
              - match: [{uri: {prefix: /a}}]
                retries: {attempts: 3, perTryTimeout: 2s, retryOn: 'gateway-error,503'}
                timeout: 10s
                route: [{destination: {host: b}}]
              - match: [{uri: {prefix: /b}}]
                retries: {attempts: 0}
                route: [{destination: {host: b}}]
              - match: [{uri: {prefix: /c}}]
                timeout: 1s
                fault: {delay: {fixedDelay: 7s, percentage: {value: 100}}}
                route: [{destination: {host: b}}]
            """);
        var sim = mesh.Sidecar("a", "default");
        var a = sim.Send(9080, "b", "/a").Route!;
        Assert.Equal((3u, 2000ul, 10_000ul), (a.Retry.Attempts, a.Retry.PerTryTimeoutMs, a.TimeoutMs));
        Assert.Equal(["gateway-error", "retriable-status-codes"], a.Retry.RetryOn);
        Assert.Equal([503u], a.Retry.RetriableStatusCodes);
        Assert.Null(sim.Send(9080, "b", "/b").Route!.Retry);
        var c = sim.Send(9080, "b", "/c").Route!;
        Assert.Equal((7000ul, 100.0), (c.Fault.DelayMs, c.Fault.DelayPercent));
        Assert.Null(c.Retry);
        Assert.Equal(0ul, c.TimeoutMs);
    }

    [Fact]
    public void Inbound_listener_forwards_to_the_local_application_on_the_target_port()
    {
        var mesh = TestMesh.Load(TestMesh.Service("b", "default").Replace("ports: [{number: 9080, name: http, protocol: HTTP}]", "ports: [{number: 9080, name: http, protocol: HTTP, targetPort: 8000}]", StringComparison.Ordinal));
        var snapshot = mesh.Sidecar("b-v1", "default", ("app", "b"), ("version", "v1")).Snapshot;
        var inbound = Assert.Single(snapshot.Listeners, l => l.Direction == Protocol.V1.TrafficDirection.Inbound);
        Assert.Equal(9080u, inbound.Port);
        var endpoint = Assert.Single(snapshot.Endpoints.Single(e => e.Cluster == "inbound|9080||b.default.svc.cluster.local").Endpoints);
        Assert.Equal(("127.0.0.1", 8000u), (endpoint.Address, endpoint.Port));
    }

    [Fact]
    public void Tcp_ports_forward_to_the_service()
    {
        var sim = TestMesh.Load(TestMesh.Service("db", "default", 5432, "TCP")).Sidecar("a", "default");
        var r = sim.Send(5432, "db");
        Assert.Equal(("tcp", "outbound|5432||db.default.svc.cluster.local"), (r.Outcome, r.Cluster));
    }

    [Fact]
    public void Resolution_none_and_passthrough_make_original_destination_clusters()
    {
        // Istio: ServiceEntry resolution NONE and DestinationRule loadBalancer PASSTHROUGH both give an ORIGINAL_DST cluster.
        var sim = TestMesh.Load(TestMesh.Service("db", "default", 5432, "TCP"), TestMesh.Service("web", "default"), """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: legacy, namespace: default}
            spec:
              hosts: [legacy.internal]
              resolution: NONE
              ports: [{number: 8080, name: http, protocol: HTTP}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: web, namespace: default}
            spec:
              host: web
              trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}
            """).Sidecar("a", "default");
        Assert.True(sim.Cluster(sim.Send(8080, "legacy.internal").Cluster)!.OriginalDestination);
        Assert.True(sim.Cluster(sim.Send(9080, "web").Cluster)!.OriginalDestination);
        Assert.False(sim.Cluster(sim.Send(5432, "db").Cluster)!.OriginalDestination);
    }

    [Fact]
    public void The_version_depends_only_on_the_content()
    {
        var yaml = ReviewsServices();
        var a = TestMesh.Load(yaml).Sidecar("productpage-v1", "default").Snapshot.Version;
        var b = TestMesh.Load(yaml).Sidecar("productpage-v1", "default").Snapshot.Version;
        var c = TestMesh.Load(yaml + "---\n" + TestMesh.Service("extra", "default")).Sidecar("productpage-v1", "default").Snapshot.Version;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
