using Causeway.Api.Diagnostics;
using Causeway.Api.Validation;
using Causeway.ControlPlane.Dashboard;
using Causeway.Translation.Mesh;

namespace Causeway.Proxy.Tests.ControlPlane.Dashboard;

/// <summary>
/// The graph and the side panel, built from a real Bookinfo-like config, proxies and rates without sockets: Kiali's
/// versioned app graph (caller → service → workload), the caller's report counted once, security from the server's
/// report, problems placed on the services they concern, endpoint health as the calling proxies see it.
/// </summary>
public sealed class MeshGraphBuilderTests
{
    private const string Reviews = "reviews.bookinfo.svc.cluster.local";

    private static readonly string Yaml = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          hosts: [reviews.bookinfo.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 9080, name: http, protocol: HTTP}]
          workloadSelector: {labels: {app: reviews}}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: productpage, namespace: bookinfo}
        spec:
          hosts: [productpage.bookinfo.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: 9080, name: http, protocol: HTTP}]
          workloadSelector: {labels: {app: productpage}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: productpage-v1, namespace: bookinfo}
        spec: {address: 127.0.10.1, labels: {app: productpage, version: v1}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews-v1, namespace: bookinfo}
        spec: {address: 127.0.10.3, labels: {app: reviews, version: v1}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews-v2, namespace: bookinfo}
        spec: {address: 127.0.10.4, labels: {app: reviews, version: v2}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          host: reviews
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          hosts: [reviews]
          http:
          - match: [{headers: {end-user: {exact: jason}}}]
            route: [{destination: {host: reviews, subset: v2}}]
          - route: [{destination: {host: reviews, subset: v1}, weight: 80}, {destination: {host: reviews, subset: v2}, weight: 20}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: frontdoor, namespace: bookinfo}
        spec:
          hosts: ["*"]
          gateways: [bookinfo-gateway]
          http: [{route: [{destination: {host: productpage}}]}]
        """;

    private static MeshState Mesh()
    {
        var result = ResourceValidation.LoadAndValidateText(Yaml, "/config/mesh.yaml");
        Assert.DoesNotContain(result.Diagnostics, d => d.Severity == Severity.Error);
        return new MeshState(result.Valid);
    }

    private static EdgeRate Rate(double rps, double errors = 0, string security = "unknown", params (string Flag, double Count)[] flags)
    {
        var rate = new EdgeRate { RequestsPerSecond = rps, ErrorsPerSecond = errors, Security = security };
        foreach (var (flag, count) in flags)
        {
            rate.Flags[flag] = count;
        }

        rate.Buckets[5] = rps * 9;
        rate.Buckets[double.PositiveInfinity] = rps * 10;
        return rate;
    }

    [Fact]
    public void Callers_point_at_services_and_services_at_the_workloads_that_answered()
    {
        var rates = new Dictionary<EdgeKey, EdgeRate>
        {
            [new("source", "productpage-v1", "bookinfo", Reviews, "reviews-v1", "bookinfo")] = Rate(8),
            [new("source", "productpage-v1", "bookinfo", Reviews, "reviews-v2", "bookinfo")] = Rate(2, errors: 1, flags: ("UH", 5)),
            // the same requests as the servers reported them: not counted again, but they say the connection's security
            [new("destination", "productpage-v1", "bookinfo", Reviews, "reviews-v1", "bookinfo")] = Rate(8, security: "none"),
            // a client outside the mesh: only the server reports it
            [new("destination", "unknown", "", "productpage.bookinfo.svc.cluster.local", "productpage-v1", "bookinfo")] = Rate(3, security: "none"),
        };
        var proxies = new List<ProxyInfo>
        {
            new("gateway ingressgateway.bookinfo", true, "ingressgateway", "bookinfo", true, "", ""),
            new("sidecar reviews-v2.bookinfo", false, "reviews-v2", "bookinfo", false, "listener 9080: bad regex", ""),
        };
        var graph = MeshGraphBuilder.Build(7, Mesh(), proxies, rates, [], "/config", TimeSpan.FromSeconds(10));

        Assert.Equal(7, graph.Generation);
        GraphEdge Edge(string from, string to) => graph.Edges.Single(e => e.From == from && e.To == to);
        var toReviews = Edge("wl:bookinfo/productpage-v1", "svc:" + Reviews);
        Assert.Equal(10, toReviews.RequestsPerSecond, 6);
        Assert.Equal(0.1, toReviews.ErrorRate, 6);
        Assert.Equal(5, toReviews.Flags["UH"]);
        Assert.Equal("plaintext", Edge("svc:" + Reviews, "wl:bookinfo/reviews-v1").Security);
        Assert.Equal("unknown", Edge("svc:" + Reviews, "wl:bookinfo/reviews-v2").Security); // no server report
        Assert.Equal(8, Edge("svc:" + Reviews, "wl:bookinfo/reviews-v1").RequestsPerSecond, 6);
        Assert.True(Edge("svc:" + Reviews, "wl:bookinfo/reviews-v1").Configured);
        Assert.NotNull(toReviews.P99Milliseconds);
        Assert.Equal(3, Edge("wl:unknown", "svc:productpage.bookinfo.svc.cluster.local").RequestsPerSecond, 6);
        Assert.Equal("unknown", graph.Nodes.Single(n => n.Id == "wl:unknown").Kind);

        // idle: a service's workloads are drawn with a configured edge even without traffic
        var idle = Edge("svc:productpage.bookinfo.svc.cluster.local", "wl:bookinfo/productpage-v1");
        Assert.True(idle.Configured);
        Assert.Equal("gateway", graph.Nodes.Single(n => n.Id == "wl:bookinfo/ingressgateway").Kind);
        var nacked = graph.Nodes.Single(n => n.Id == "wl:bookinfo/reviews-v2");
        Assert.Equal("nack", nacked.ProxyState);
        Assert.Contains(nacked.Problems, p => p.Code == "NACK" && p.Message.Contains("bad regex", StringComparison.Ordinal));
        Assert.Equal("v2", nacked.Version);
    }

    [Fact]
    public void Problems_sit_on_the_services_their_resource_concerns_and_the_rest_are_mesh_wide()
    {
        var mesh = Mesh();
        var frontdoor = new Diagnostic(MessageTypes.ReferencedResourceNotFound, Severity.Error, "gateway-bound", new ResourceRef("VirtualService", "bookinfo", "frontdoor"), new SourceLocation("/config/mesh.yaml", 60, 1));
        var rule = new Diagnostic(MessageTypes.ReferencedResourceNotFound, Severity.Warning, "subset", new ResourceRef("DestinationRule", "bookinfo", "reviews"), new SourceLocation("/config/mesh.yaml", 40, 1), "spec.subsets[1]");
        var neverLoaded = new Diagnostic(MessageTypes.SchemaValidationError, Severity.Error, "expected an integer", new ResourceRef("VirtualService", "bookinfo", "new-one"), new SourceLocation("/config/broken.yaml", 6, 1));
        var graph = MeshGraphBuilder.Build(1, mesh, [], new Dictionary<EdgeKey, EdgeRate>(), [frontdoor, rule, neverLoaded], "/config", TimeSpan.FromSeconds(10));

        var reviews = graph.Nodes.Single(n => n.Id == "svc:" + Reviews);
        var productpage = graph.Nodes.Single(n => n.Id == "svc:productpage.bookinfo.svc.cluster.local");
        // A gateway-only VirtualService with hosts "*" concerns the service it routes to, not every service.
        Assert.Equal(["gateway-bound"], productpage.Problems.Select(p => p.Message));
        var onReviews = Assert.Single(reviews.Problems);
        Assert.Equal("mesh.yaml:40", onReviews.Where);
        Assert.Contains("spec.subsets[1]", onReviews.Message, StringComparison.Ordinal);
        var meshWide = Assert.Single(graph.MeshProblems);
        Assert.Equal("IST0106", meshWide.Code);
        Assert.Equal("broken.yaml:6", meshWide.Where);
    }

    [Fact]
    public void The_service_panel_names_its_config_with_file_and_line_and_endpoint_health_per_calling_proxy()
    {
        var endpoints = new Dictionary<string, IReadOnlyList<EndpointView>>
        {
            ["sidecar productpage-v1.bookinfo"] =
            [
                new($"outbound|9080|v1|{Reviews}", "127.0.10.3:9080", "healthy", "bookinfo/reviews-v1"),
                new($"outbound|9080|v2|{Reviews}", "127.0.10.4:9080", "/failed_outlier_check", "bookinfo/reviews-v2"),
            ],
            ["sidecar other.bookinfo"] =
            [
                new($"outbound|9080|v2|{Reviews}", "127.0.10.4:9080", "healthy", "bookinfo/reviews-v2"),
            ],
        };
        var rates = new Dictionary<EdgeKey, EdgeRate>
        {
            [new("source", "productpage-v1", "bookinfo", Reviews, "reviews-v2", "bookinfo")] = Rate(1, flags: ("UO", 4)),
        };
        var details = ServiceDetailsBuilder.Build(Reviews, Mesh(), endpoints, rates, [], "/config")!;

        var vs = Assert.Single(details.VirtualServices);
        Assert.Equal("reviews", vs.Name);
        Assert.StartsWith("mesh.yaml:", vs.Where, StringComparison.Ordinal);
        Assert.Equal(["when end-user = jason → reviews/v2", "→ reviews/v1 80%, reviews/v2 20%"], vs.Summary);
        Assert.Equal(["subset v1: version=v1", "subset v2: version=v2"], Assert.Single(details.DestinationRules).Summary);
        Assert.Equal(["(all)", "v1", "v2"], details.Subsets.Select(s => s.Name));
        var v2 = Assert.Single(details.Subsets.Single(s => s.Name == "v2").Endpoints);
        Assert.Equal("reviews-v2", v2.Workload);
        Assert.Equal(["sidecar productpage-v1.bookinfo"], v2.EjectedBy);
        Assert.Equal(1, v2.HealthyIn);
        Assert.Equal(1, Assert.Single(details.Subsets.Single(s => s.Name == "v1").Endpoints).HealthyIn);
        Assert.Equal(2, details.Subsets[0].Endpoints.Count);
        var flag = Assert.Single(details.Flags);
        Assert.Equal("UO", flag.Flag);
        Assert.Contains("circuit breaker", flag.Meaning, StringComparison.Ordinal); // the text of causeway explain --flag UO
        Assert.Contains("connectionPool", flag.Look, StringComparison.Ordinal);
        Assert.Null(ServiceDetailsBuilder.Build("nope.example.com", Mesh(), endpoints, rates, [], "/config"));
    }
}
