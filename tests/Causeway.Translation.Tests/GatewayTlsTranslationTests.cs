using System.Text;
using Causeway.Translation.Tests.Support;
using Causeway.Protocol.V1;

namespace Causeway.Translation.Tests.Translation;

/// <summary>
/// Gateway servers that terminate TLS (istio.io "Secure Gateways"; Gateway ServerTLSSettings): which servers a
/// listener serves, where each certificate comes from, and what the translation says when it cannot serve one.
/// </summary>
public class GatewayTlsTranslationTests
{
    private const string Cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    private const string Key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
    private const string Ca = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";

    [Fact]
    public void Credential_name_reads_the_secret_in_the_gateway_workloads_namespace_and_decodes_it()
    {
        // Istio: "The secret (of type generic or tls) ... must exist in the same namespace as the gateway workload".
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"), Secret("web-cert", "istio-system", ("tls.crt", Cert), ("tls.key", Key)), TestMesh.GatewayYaml("""
            - port: {number: 443, name: https, protocol: HTTPS}
              hosts: [web.example.com]
              tls: {mode: SIMPLE, credentialName: web-cert}
            """), RoutesTo("web.example.com"));
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        var server = Assert.Single(Listener(gw, 443).Tls.Servers);
        Assert.Equal(Cert, server.CertificateChain.InlinePem);
        Assert.Equal(Key, server.PrivateKey.InlinePem);
        Assert.Equal(["web.example.com"], server.ServerNames);
        Assert.False(server.RequireClientCertificate);
        Assert.Contains("secret istio-system/web-cert", server.Origin, StringComparison.Ordinal);
        Assert.Equal("forward", gw.Send(443, "web.example.com", scheme: "https").Outcome);
        Assert.Empty(gw.Snapshot.Notices);
    }

    [Fact]
    public void Each_https_server_gets_a_route_table_of_its_own_hosts_as_envoy_has_one_per_filter_chain()
    {
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"), Secret("a-cert", "istio-system", ("tls.crt", Cert), ("tls.key", Key)), TestMesh.GatewayYaml("""
            - port: {number: 443, name: https-a, protocol: HTTPS}
              hosts: [a.example.com]
              tls: {mode: SIMPLE, credentialName: a-cert}
            - port: {number: 443, name: https-b, protocol: HTTPS}
              hosts: ["*.example.org"]
              tls: {mode: SIMPLE, credentialName: a-cert}
            """), RoutesTo("a.example.com", "shop.example.org"));
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        var servers = Listener(gw, 443).Tls.Servers;
        Assert.Equal(["https.443.https-a.gw.default", "https.443.https-b.gw.default"], servers.Select(s => s.RouteTable));
        Assert.Equal(["a.example.com", "a.example.com:443"], gw.Snapshot.RouteTables.Single(t => t.Name == servers[0].RouteTable).VirtualHosts.SelectMany(v => v.Domains));
        Assert.Equal(["shop.example.org", "shop.example.org:443"], gw.Snapshot.RouteTables.Single(t => t.Name == servers[1].RouteTable).VirtualHosts.SelectMany(v => v.Domains));
        Assert.DoesNotContain(gw.Snapshot.RouteTables, t => t.Name == "gateway_443"); // no merged table for HTTPS
    }

    [Fact]
    public void Generic_secret_keys_and_a_separate_cacert_secret_serve_mutual_tls()
    {
        // Istio's generic secret form: cert/key, and the CA in cacert or in a "<name>-cacert" Secret.
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"),
            Secret("web-cert", "istio-system", ("cert", Cert), ("key", Key)),
            Secret("web-cert-cacert", "istio-system", ("cacert", Ca)),
            TestMesh.GatewayYaml("""
            - port: {number: 443, name: https, protocol: HTTPS}
              hosts: [web.example.com]
              tls: {mode: MUTUAL, credentialName: web-cert, subjectAltNames: [spiffe://cluster.local/ns/a/sa/b]}
            """), RoutesTo("web.example.com"));
        var server = Assert.Single(Listener(mesh.Gateway(("istio", "ingressgateway")), 443).Tls.Servers);
        Assert.True(server.RequireClientCertificate);
        Assert.Equal(Ca, server.CaCertificates.InlinePem);
        Assert.Equal(["spiffe://cluster.local/ns/a/sa/b"], server.SubjectAltNames);
    }

    [Fact]
    public void File_certificates_are_passed_as_paths_for_the_proxy_to_read()
    {
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"), TestMesh.GatewayYaml("""
            - port: {number: 443, name: https, protocol: HTTPS}
              hosts: ["default/*.example.com"]
              tls: {mode: SIMPLE, serverCertificate: /etc/certs/tls.crt, privateKey: /etc/certs/tls.key, minProtocolVersion: TLSV1_3}
            """), RoutesTo("*.example.com"));
        var server = Assert.Single(Listener(mesh.Gateway(("istio", "ingressgateway")), 443).Tls.Servers);
        Assert.Equal("/etc/certs/tls.crt", server.CertificateChain.File);
        Assert.Equal("/etc/certs/tls.key", server.PrivateKey.File);
        Assert.Equal(["*.example.com"], server.ServerNames); // the namespace part of the host is not an SNI name
        Assert.Equal(TlsVersion.TlsV13, server.MinVersion);
    }

    [Fact]
    public void Cipher_suites_reach_the_proxy_as_iana_codes_in_order_with_groups_expanded_and_unknown_names_dropped()
    {
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"), TestMesh.GatewayYaml("""
            - port: {number: 443, name: https, protocol: HTTPS}
              hosts: [web.example.com]
              tls:
                mode: SIMPLE
                serverCertificate: /etc/certs/tls.crt
                privateKey: /etc/certs/tls.key
                cipherSuites: [ECDHE-RSA-AES256-GCM-SHA384, NOT-A-SUITE, "[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]", AES128-SHA]
            """), RoutesTo("web.example.com"));
        var server = Assert.Single(Listener(mesh.Gateway(("istio", "ingressgateway")), 443).Tls.Servers);
        Assert.Equal([0xC030u, 0xC02Bu, 0xCCA9u, 0x002Fu], server.CipherSuites);
    }

    [Fact]
    public void A_gateway_that_did_not_authenticate_gets_no_secret_but_file_certificates_still_work()
    {
        // istiod serves credentialName Secrets over SDS only to an authenticated gateway of the Secret's namespace.
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"), Secret("web-cert", "istio-system", ("tls.crt", Cert), ("tls.key", Key)), TestMesh.GatewayYaml("""
            - port: {number: 443, name: from-secret, protocol: HTTPS}
              hosts: [a.example.com]
              tls: {mode: SIMPLE, credentialName: web-cert}
            - port: {number: 443, name: from-files, protocol: HTTPS}
              hosts: [b.example.com]
              tls: {mode: SIMPLE, serverCertificate: /etc/certs/tls.crt, privateKey: /etc/certs/tls.key}
            """), RoutesTo("*.example.com"));
        var request = ProxyRequest.Gateway("gateway", "istio-system", new Dictionary<string, string> { ["istio"] = "ingressgateway" }) with { MayReadSecrets = false };
        var snapshot = ProxySnapshotBuilder.Build(mesh, request);
        var server = Assert.Single(snapshot.Listeners.Single(l => l.Port == 443).Tls.Servers);
        Assert.Equal(["b.example.com"], server.ServerNames);
        Assert.DoesNotContain(Key, snapshot.ToString(), StringComparison.Ordinal);
        Assert.Contains(snapshot.Notices, n => n.Contains("server from-secret", StringComparison.Ordinal) && n.Contains("withheld", StringComparison.Ordinal));
    }

    [Fact]
    public void Servers_that_cannot_be_served_are_left_out_with_a_notice_naming_them()
    {
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"), Secret("ok-cert", "istio-system", ("tls.crt", Cert), ("tls.key", Key)),
            Secret("elsewhere", "default", ("tls.crt", Cert), ("tls.key", Key)), TestMesh.GatewayYaml("""
            - port: {number: 443, name: missing, protocol: HTTPS}
              hosts: [a.example.com]
              tls: {mode: SIMPLE, credentialName: absent}
            - port: {number: 443, name: wrong-namespace, protocol: HTTPS}
              hosts: [b.example.com]
              tls: {mode: SIMPLE, credentialName: elsewhere}
            - port: {number: 443, name: passthrough, protocol: HTTPS}
              hosts: [c.example.com]
              tls: {mode: PASSTHROUGH}
            - port: {number: 443, name: good, protocol: HTTPS}
              hosts: [d.example.com]
              tls: {mode: SIMPLE, credentialName: ok-cert}
            """), RoutesTo("*.example.com"));
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        Assert.Equal(["d.example.com"], Assert.Single(Listener(gw, 443).Tls.Servers).ServerNames);
        Assert.Contains(gw.Snapshot.Notices, n => n.Contains("server missing", StringComparison.Ordinal) && n.Contains("no Secret absent in namespace istio-system", StringComparison.Ordinal));
        Assert.Contains(gw.Snapshot.Notices, n => n.Contains("server wrong-namespace", StringComparison.Ordinal) && n.Contains("no Secret elsewhere", StringComparison.Ordinal));
        Assert.Contains(gw.Snapshot.Notices, n => n.Contains("PASSTHROUGH servers on port 443 have no VirtualService tls route", StringComparison.Ordinal));
    }

    [Fact]
    public void A_port_with_no_servable_server_gets_no_listener()
    {
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"), TestMesh.GatewayYaml("""
            - port: {number: 443, name: https, protocol: HTTPS}
              hosts: [a.example.com]
              tls: {mode: SIMPLE, credentialName: absent}
            """), RoutesTo("a.example.com"));
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        Assert.Equal("no listener", gw.Send(443, "a.example.com", scheme: "https").Outcome);
        Assert.Single(gw.Snapshot.Notices);
    }

    [Fact]
    public void Https_redirect_marks_the_servers_hosts_and_gives_hosts_without_a_virtual_service_a_host_to_redirect()
    {
        // Istio's gateway route building adds a virtual host for each httpsRedirect server host that no VirtualService covers.
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"), TestMesh.GatewayYaml("""
            - port: {number: 80, name: http, protocol: HTTP}
              hosts: [web.example.com, bare.example.com]
              tls: {httpsRedirect: true}
            - port: {number: 80, name: http-plain, protocol: HTTP}
              hosts: [plain.example.com]
            """), RoutesTo("web.example.com", "plain.example.com"));
        var gw = mesh.Gateway(("istio", "ingressgateway"));
        Assert.Equal("301 https redirect", gw.Send(80, "web.example.com").Outcome);
        Assert.Equal("301 https redirect", gw.Send(80, "bare.example.com").Outcome);
        Assert.Equal("forward", gw.Send(80, "plain.example.com").Outcome);
    }

    [Fact]
    public void Tls_servers_in_simple_mode_carry_tcp_routes_with_the_same_defaults_as_a_sidecar()
    {
        // RouteDestination.weight: a lone destination without a weight gets all traffic; the port defaults to the service's only port.
        var mesh = TestMesh.Load(TestMesh.Service("db", "default", 5432, "TCP"), Secret("db-cert", "istio-system", ("tls.crt", Cert), ("tls.key", Key)), TestMesh.GatewayYaml("""
            - port: {number: 15432, name: tls, protocol: TLS}
              hosts: [db.example.com]
              tls: {mode: SIMPLE, credentialName: db-cert}
            """), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: db, namespace: default}
            spec:
              hosts: [db.example.com]
              gateways: [gw]
              tcp: [{route: [{destination: {host: db}}]}]
            """);
        var listener = Listener(mesh.Gateway(("istio", "ingressgateway")), 15432);
        Assert.Equal(ListenerProtocol.Tcp, listener.Protocol);
        Assert.NotNull(listener.Tls);
        var cluster = Assert.Single(listener.Tcp.Clusters);
        Assert.Equal(("outbound|5432||db.default.svc.cluster.local", 100u), (cluster.Cluster, cluster.Weight));
    }

    [Fact]
    public void Unweighted_tcp_destinations_among_several_get_no_traffic_at_gateways_as_in_sidecars()
    {
        var mesh = TestMesh.Load(TestMesh.Service("db", "default", 5432, "TCP"), TestMesh.Service("db2", "default", 5432, "TCP"), TestMesh.GatewayYaml("""
            - port: {number: 15432, name: tcp, protocol: TCP}
              hosts: ["*"]
            """), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: db, namespace: default}
            spec:
              hosts: ["*"]
              gateways: [gw]
              tcp: [{route: [{destination: {host: db}, weight: 100}, {destination: {host: db2}}]}]
            """);
        var clusters = Listener(mesh.Gateway(("istio", "ingressgateway")), 15432).Tcp.Clusters;
        Assert.Equal([100u, 0u], clusters.Select(c => c.Weight));
    }

    private static Listener Listener(Simulation gw, uint port) => Assert.Single(gw.Snapshot.Listeners, l => l.Port == port);

    private static string RoutesTo(params string[] hosts) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {"{"}name: web, namespace: default{"}"}
        spec:
          hosts: [{string.Join(", ", hosts.Select(h => $"\"{h}\""))}]
          gateways: [gw]
          http: [{"{"}route: [{"{"}destination: {"{"}host: web{"}"}{"}"}]{"}"}]
        """;

    private static string Secret(string name, string ns, params (string Key, string Value)[] data) => $"""
        apiVersion: v1
        kind: Secret
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        data:
        {string.Join("\n", data.Select(d => $"  {d.Key}: {Convert.ToBase64String(Encoding.UTF8.GetBytes(d.Value))}"))}
        """;
}
