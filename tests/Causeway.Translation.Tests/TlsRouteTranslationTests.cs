using Causeway.Translation.Tests.Support;
using Causeway.Protocol.V1;

namespace Causeway.Translation.Tests.Translation;

/// <summary>
/// VirtualService tls routes as SNI routes: Gateway servers with tls mode PASSTHROUGH (istio.io "Ingress Gateway
/// without TLS Termination") and sidecar TLS ports (ServiceEntry protocol TLS), per Istio's TLSRoute and TLSMatchAttributes.
/// </summary>
public class TlsRouteTranslationTests
{
    [Fact]
    public void Passthrough_server_gets_one_sni_route_per_tls_rule_with_weights_and_no_certificate()
    {
        var mesh = TestMesh.Load(TestMesh.Service("nginx", "default", 443, "HTTPS", "v1", "v2"), TestMesh.GatewayYaml("""
            - port: {number: 443, name: https, protocol: HTTPS}
              hosts: [nginx.example.com, "*.shop.example.com"]
              tls: {mode: PASSTHROUGH}
            """), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: nginx, namespace: default}
            spec:
              hosts: [nginx.example.com, "*.shop.example.com"]
              gateways: [gw]
              tls:
              - match: [{port: 443, sniHosts: [nginx.example.com]}]
                route:
                - {destination: {host: nginx, subset: v1}, weight: 80}
                - {destination: {host: nginx, subset: v2}, weight: 20}
              - match: [{sniHosts: ["*.shop.example.com"]}]
                route: [{destination: {host: nginx, port: {number: 443}}}]
            """, Subsets("nginx", "v1", "v2"));
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        var listener = Assert.Single(gw.Snapshot.Listeners, l => l.Port == 443);
        Assert.Equal(ListenerProtocol.Tcp, listener.Protocol);
        Assert.Null(listener.Tls); // nothing terminated: no certificate needed
        Assert.Equal(2, listener.SniRoutes.Count);
        Assert.Equal(["nginx.example.com"], listener.SniRoutes[0].ServerNames);
        Assert.Equal(["outbound|443|v1|nginx.default.svc.cluster.local:80", "outbound|443|v2|nginx.default.svc.cluster.local:20"],
            listener.SniRoutes[0].Route.Clusters.Select(c => $"{c.Cluster}:{c.Weight}"));
        Assert.Equal("VirtualService default/nginx tls[0]", listener.SniRoutes[0].Origin);
        Assert.Equal(["*.shop.example.com"], listener.SniRoutes[1].ServerNames);
        Assert.NotNull(gw.Cluster("outbound|443|v2|nginx.default.svc.cluster.local"));
        Assert.Empty(gw.Snapshot.Notices);
    }

    [Fact]
    public void Sni_hosts_are_narrowed_to_what_the_server_admits_and_a_name_keeps_its_first_route()
    {
        // Istio intersects a match's sniHosts with the server's hosts; a later duplicate filter chain is dropped.
        var mesh = TestMesh.Load(TestMesh.Service("a", "default", 443, "TLS"), TestMesh.Service("b", "default", 443, "TLS"), TestMesh.GatewayYaml("""
            - port: {number: 443, name: tls, protocol: TLS}
              hosts: [a.example.com]
              tls: {mode: PASSTHROUGH}
            """), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: first, namespace: default}
            spec:
              hosts: ["*.example.com"]
              gateways: [gw]
              tls:
              - match: [{sniHosts: ["*.example.com"]}]
                route: [{destination: {host: a}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: second, namespace: default}
            spec:
              hosts: [a.example.com, other.example.org]
              gateways: [gw]
              tls:
              - match: [{sniHosts: [a.example.com, other.example.org]}]
                route: [{destination: {host: b}}]
            """);
        var listener = Assert.Single(mesh.Gateway(("istio", "ingressgateway")).Snapshot.Listeners, l => l.Port == 443);
        var route = Assert.Single(listener.SniRoutes);
        Assert.Equal(["a.example.com"], route.ServerNames);
        Assert.Equal("outbound|443||a.default.svc.cluster.local", Assert.Single(route.Route.Clusters).Cluster);
    }

    [Fact]
    public void Matches_for_another_port_another_gateway_or_destination_subnets_do_not_apply()
    {
        var mesh = TestMesh.Load(TestMesh.Service("a", "default", 443, "TLS"), TestMesh.GatewayYaml("""
            - port: {number: 443, name: tls, protocol: TLS}
              hosts: ["*"]
              tls: {mode: PASSTHROUGH}
            """), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: a, namespace: default}
            spec:
              hosts: ["*.example.com"]
              gateways: [gw, mesh]
              tls:
              - match: [{port: 8443, sniHosts: [port.example.com]}]
                route: [{destination: {host: a}}]
              - match: [{gateways: [mesh], sniHosts: [mesh.example.com]}]
                route: [{destination: {host: a}}]
              - match: [{destinationSubnets: [10.0.0.0/8], sniHosts: [subnet.example.com]}]
                route: [{destination: {host: a}}]
              - match: [{gateways: [default/gw], sniHosts: [yes.example.com]}]
                route: [{destination: {host: a}}]
            """);
        var listener = Assert.Single(mesh.Gateway(("istio", "ingressgateway")).Snapshot.Listeners, l => l.Port == 443);
        Assert.Equal(["yes.example.com"], Assert.Single(listener.SniRoutes).ServerNames);
    }

    [Fact]
    public void A_passthrough_port_without_routes_is_not_served_and_says_why()
    {
        var mesh = TestMesh.Load(TestMesh.Service("a", "default", 443, "TLS"), TestMesh.GatewayYaml("""
            - port: {number: 443, name: tls, protocol: TLS}
              hosts: [a.example.com]
              tls: {mode: PASSTHROUGH}
            """));
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        Assert.DoesNotContain(gw.Snapshot.Listeners, l => l.Port == 443);
        Assert.Contains(gw.Snapshot.Notices, n => n.Contains("PASSTHROUGH port 443 has no VirtualService tls route", StringComparison.Ordinal));
    }

    [Fact]
    public void Terminating_and_passthrough_servers_share_a_port_as_envoys_filter_chains_do()
    {
        var mesh = TestMesh.Load(TestMesh.Service("a", "default", 443, "TLS"), TestMesh.GatewayYaml("""
            - port: {number: 443, name: pass, protocol: TLS}
              hosts: [a.example.com]
              tls: {mode: PASSTHROUGH}
            - port: {number: 443, name: term, protocol: TLS}
              hosts: [b.example.com]
              tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}
            """), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: a, namespace: default}
            spec:
              hosts: [a.example.com, b.example.com]
              gateways: [gw]
              tls: [{match: [{sniHosts: [a.example.com]}], route: [{destination: {host: a}}]}]
              tcp: [{route: [{destination: {host: a}}]}]
            """);
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        var listener = Assert.Single(gw.Snapshot.Listeners, l => l.Port == 443);
        Assert.Equal(["b.example.com"], Assert.Single(listener.Tls.Servers).ServerNames); // terminated
        Assert.Equal(["a.example.com"], Assert.Single(listener.SniRoutes).ServerNames); // passed through
        Assert.Equal("outbound|443||a.default.svc.cluster.local", Assert.Single(listener.Tcp.Clusters).Cluster);
        Assert.Empty(gw.Snapshot.Notices);
    }

    [Fact]
    public void Sidecar_tls_port_routes_each_service_by_its_host_and_a_virtual_service_tls_rule_first()
    {
        var mesh = TestMesh.Load(TestMesh.Service("client", "default"), External("api.example.com"), External("www.example.org"), TestMesh.Service("egress", "istio-system", 443, "TLS"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: via-egress, namespace: default}
            spec:
              hosts: [www.example.org]
              tls:
              - match: [{port: 443, sniHosts: [www.example.org], gateways: [mesh]}]
                route: [{destination: {host: egress.istio-system.svc.cluster.local, port: {number: 443}}}]
            """);
        var sidecar = mesh.Sidecar("client-v1", "default", ("app", "client"));
        var listener = Assert.Single(sidecar.Snapshot.Listeners, l => l.Port == 443 && l.Direction == TrafficDirection.Outbound);
        Assert.Equal(ListenerProtocol.Tcp, listener.Protocol);
        var byName = listener.SniRoutes.SelectMany(r => r.ServerNames.Select(n => (n, Assert.Single(r.Route.Clusters).Cluster))).ToList();
        Assert.Equal(
            [("www.example.org", "outbound|443||egress.istio-system.svc.cluster.local"), ("api.example.com", "outbound|443||api.example.com"), ("egress.istio-system.svc.cluster.local", "outbound|443||egress.istio-system.svc.cluster.local"),
             ("*", "PassthroughCluster")], // MeshConfig outboundTrafficPolicy ALLOW_ANY (the default): other names pass through
            byName);
    }

    private static string External(string host) => $$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: {{host.Replace('.', '-')}}, namespace: default}
        spec:
          hosts: [{{host}}]
          location: MESH_EXTERNAL
          resolution: DNS
          ports: [{number: 443, name: tls, protocol: TLS}]
        """;

    private static string Subsets(string host, params string[] names) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: {{host}}, namespace: default}
        spec:
          host: {{host}}
          subsets: [{{string.Join(", ", names.Select(n => $"{{name: {n}, labels: {{version: {n}}}}}"))}}]
        """;
}
