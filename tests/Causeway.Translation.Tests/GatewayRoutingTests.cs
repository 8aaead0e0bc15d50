using Causeway.Translation.Tests.Support;

namespace Causeway.Translation.Tests.Translation;

/// <summary>Gateway binding and routing, per Istio's Gateway/VirtualService semantics.</summary>
public class GatewayRoutingTests
{
    private static readonly string Corpus = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "istio-corpus", "istio", "samples", "bookinfo", "networking"));

    [Fact]
    public void Bookinfo_gateway_routes_productpage_and_404s_headers()
    {
        var mesh = TestMesh.Load(TestMesh.Service("productpage", "default"), File.ReadAllText(Path.Combine(Corpus, "bookinfo-gateway.yaml")));
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        Assert.Equal("outbound|9080||productpage.default.svc.cluster.local", gw.Send(8080, "localhost:8080", "/productpage").Cluster);
        Assert.Equal("forward", gw.Send(8080, "bookinfo.example.com", "/static/style.css").Outcome);
        Assert.Equal("404 NR (no route)", gw.Send(8080, "localhost", "/headers").Outcome);
    }

    [Fact]
    public void A_gateway_serves_only_virtual_services_bound_to_it_and_the_mesh_does_not_see_them()
    {
        var mesh = TestMesh.Load(TestMesh.Service("productpage", "default"), File.ReadAllText(Path.Combine(Corpus, "bookinfo-gateway.yaml")));
        Assert.Equal("no listener", mesh.Gateway(("istio", "other")).Send(8080, "x", "/productpage").Outcome);
        Assert.Equal("404 NR (no virtual host)", mesh.Sidecar("a", "default").Send(9080, "bookinfo.example.com").Outcome);
    }

    [Fact]
    public void Server_hosts_admit_virtual_service_hosts_by_suffix_and_any_port()
    {
        // routing.go "wildcard hostname": foo.example.com, foo.example.com:80 and :12345 all reach the route.
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"), """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: ['*.example.com']
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: web, namespace: default}
            spec:
              hosts: ['*']
              gateways: [gw]
              http: [{route: [{destination: {host: web}}]}]
            """);
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        foreach (var host in new[] { "foo.example.com", "foo.example.com:80", "foo.example.com:12345" })
        {
            Assert.Equal("forward", gw.Send(80, host).Outcome);
        }

        Assert.Equal("404 NR (no virtual host)", gw.Send(80, "example.com").Outcome); // *.example.com does not admit example.com
        Assert.Equal("404 NR (no virtual host)", gw.Send(80, "foo.bar").Outcome);
    }

    [Fact]
    public void Virtual_services_for_one_host_merge_at_gateways_with_catch_alls_last()
    {
        var mesh = TestMesh.Load(TestMesh.Service("a", "default"), TestMesh.Service("b", "default"), """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              selector: {istio: ingressgateway}
              servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: first, namespace: default, creationTimestamp: "2026-01-01T00:00:00Z"}
            spec:
              hosts: [shop.example.com]
              gateways: [gw]
              http: [{route: [{destination: {host: a}}]}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: second, namespace: default, creationTimestamp: "2026-02-01T00:00:00Z"}
            spec:
              hosts: [shop.example.com]
              gateways: [gw]
              http: [{match: [{uri: {prefix: /b}}], route: [{destination: {host: b}}]}]
            """);
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        Assert.Equal("outbound|9080||b.default.svc.cluster.local", gw.Send(80, "shop.example.com", "/b/x").Cluster);
        Assert.Equal("outbound|9080||a.default.svc.cluster.local", gw.Send(80, "shop.example.com", "/other").Cluster);
    }

    [Fact]
    public void A_namespace_in_a_server_host_restricts_which_virtual_services_bind()
    {
        var mesh = TestMesh.Load(TestMesh.Service("web", "prod"), TestMesh.Service("web", "dev"), """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: istio-system}
            spec:
              selector: {istio: ingressgateway}
              servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['prod/*']}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: web, namespace: prod}
            spec: {hosts: [prod.example.com], gateways: [istio-system/gw], http: [{route: [{destination: {host: web}}]}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: web, namespace: dev}
            spec: {hosts: [dev.example.com], gateways: [istio-system/gw], http: [{route: [{destination: {host: web}}]}]}
            """);
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        Assert.Equal("outbound|9080||web.prod.svc.cluster.local", gw.Send(80, "prod.example.com").Cluster);
        Assert.Equal("404 NR (no virtual host)", gw.Send(80, "dev.example.com").Outcome);
    }

    [Fact]
    public void Redirect_and_direct_response_are_carried_with_istios_defaults()
    {
        var mesh = TestMesh.Load("""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              selector: {istio: ingressgateway}
              servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: edge, namespace: default}
            spec:
              hosts: ['*']
              gateways: [gw]
              http:
              - match: [{uri: {prefix: /old}}]
                redirect: {uri: /new}
              - directResponse: {status: 503, body: {string: maintenance}}
            """);
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        var redirect = gw.Send(80, "x", "/old/page");
        Assert.Equal(("redirect", 301u, "/new"), (redirect.Outcome, redirect.Route!.Redirect.Code, redirect.Route.Redirect.Uri));
        var direct = gw.Send(80, "x", "/anything");
        Assert.Equal(("direct 503", "maintenance"), (direct.Outcome, direct.Route!.DirectResponse.Body.ToStringUtf8()));
    }
}
