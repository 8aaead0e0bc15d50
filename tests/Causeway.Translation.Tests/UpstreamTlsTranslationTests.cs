using Causeway.Translation.Tests.Support;

namespace Causeway.Translation.Tests.Translation;

/// <summary>DestinationRule tls (ClientTLSSettings) as the TLS a cluster originates, per Istio's merge and defaults.</summary>
public class UpstreamTlsTranslationTests
{
    private static readonly string External = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: cnn, namespace: default}
        spec:
          hosts: [edition.cnn.com]
          location: MESH_EXTERNAL
          resolution: DNS
          ports:
          - {number: 80, name: http-port, protocol: HTTP, targetPort: 443}
          - {number: 443, name: https-port, protocol: HTTPS}
        """;

    [Fact]
    public void Port_level_simple_tls_originates_on_that_port_only_with_the_host_as_sni()
    {
        // istio.io "Egress TLS Origination": portLevelSettings port 80 tls SIMPLE.
        var mesh = TestMesh.Load(TestMesh.Service("client", "default"), External, Rule("""
            portLevelSettings:
            - port: {number: 80}
              tls: {mode: SIMPLE, caCertificates: /etc/certs/ca.pem, subjectAltNames: [edition.cnn.com]}
            """));
        var sidecar = mesh.Sidecar("client-v1", "default", ("app", "client"));
        var tls = sidecar.Cluster("outbound|80||edition.cnn.com")!.Tls;
        Assert.Equal("edition.cnn.com", tls.Sni);
        Assert.Equal("/etc/certs/ca.pem", tls.CaCertificates.File);
        Assert.Equal(["edition.cnn.com"], tls.SubjectAltNames);
        Assert.False(tls.InsecureSkipVerify);
        Assert.Null(sidecar.Cluster("outbound|443||edition.cnn.com")!.Tls); // HTTPS from the app: passed through as is
    }

    [Fact]
    public void Explicit_sni_insecure_skip_verify_and_mutual_files_are_carried()
    {
        var mesh = TestMesh.Load(TestMesh.Service("client", "default"), External, Rule("""
            tls: {mode: MUTUAL, sni: cnn.internal, insecureSkipVerify: true, clientCertificate: /c.pem, privateKey: /k.pem}
            """));
        var tls = mesh.Sidecar("client-v1", "default", ("app", "client")).Cluster("outbound|443||edition.cnn.com")!.Tls;
        Assert.Equal("cnn.internal", tls.Sni);
        Assert.True(tls.InsecureSkipVerify);
        Assert.Equal("/c.pem", tls.ClientCertificate.File);
        Assert.Equal("/k.pem", tls.PrivateKey.File);
    }

    [Fact]
    public void Disable_originates_nothing()
    {
        var mesh = TestMesh.Load(TestMesh.Service("client", "default"), External, Rule("tls: {mode: DISABLE}"));
        Assert.Null(mesh.Sidecar("client-v1", "default", ("app", "client")).Cluster("outbound|443||edition.cnn.com")!.Tls);
    }

    [Fact]
    public void Istio_mutual_uses_the_workload_certificate_with_istios_sni()
    {
        var mesh = TestMesh.Load(TestMesh.Service("client", "default"), External, Rule("tls: {mode: ISTIO_MUTUAL}"));
        var tls = mesh.Sidecar("client-v1", "default", ("app", "client")).Cluster("outbound|443||edition.cnn.com")!.Tls;
        Assert.True(tls.IstioMutual);
        Assert.Equal("outbound_.443_._.edition.cnn.com", tls.Sni);
        Assert.Empty(tls.SubjectAltNames); // no workloads behind a DNS ServiceEntry: any mesh identity under the root
    }

    /// <summary>
    /// Istio's auto mTLS: with no DestinationRule tls, a cluster whose endpoints all carry the sidecar label
    /// security.istio.io/tlsMode=istio gets ISTIO_MUTUAL, verifying the endpoints' service accounts; an endpoint
    /// without it keeps plaintext, and a DestinationRule saying DISABLE wins.
    /// </summary>
    [Fact]
    public void Auto_mtls_applies_to_endpoints_with_sidecars_only_and_a_destination_rule_wins()
    {
        static string Workload(string name, string labels, string sa) => "\n" + $$$"""
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: {{{name}}}, namespace: default}
            spec: {address: 127.0.90.{{{name.Length}}}, serviceAccount: {{{sa}}}, labels: {{{labels}}}}
            """;
        var services = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: meshed, namespace: default}
            spec:
              hosts: [meshed.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: meshed}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: legacy, namespace: default}
            spec:
              hosts: [legacy.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: legacy}}
            """ + Workload("meshed-a", "{app: meshed, security.istio.io/tlsMode: istio}", "meshed-sa")
                + Workload("meshed-bb", "{app: meshed, security.istio.io/tlsMode: istio}", "other-sa")
                + Workload("legacy-c", "{app: legacy}", "legacy");
        var mesh = TestMesh.Load(TestMesh.Service("client", "default"), services);
        var sidecar = mesh.Sidecar("client-v1", "default", ("app", "client"));
        var meshed = sidecar.Cluster("outbound|9080||meshed.default.svc.cluster.local")!.Tls;
        Assert.True(meshed.IstioMutual);
        Assert.Equal(["/ns/default/sa/meshed-sa", "/ns/default/sa/other-sa"], meshed.SubjectAltNames);
        Assert.Null(sidecar.Cluster("outbound|9080||legacy.default.svc.cluster.local")!.Tls);

        var disabled = TestMesh.Load(TestMesh.Service("client", "default"), services, """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: meshed, namespace: default}
            spec: {host: meshed.default.svc.cluster.local, trafficPolicy: {tls: {mode: DISABLE}}}
            """);
        Assert.Null(disabled.Sidecar("client-v1", "default", ("app", "client")).Cluster("outbound|9080||meshed.default.svc.cluster.local")!.Tls);
    }

    [Fact]
    public void Credential_name_is_read_from_the_proxys_namespace_only_when_it_may_read_secrets()
    {
        var secret = """
            apiVersion: v1
            kind: Secret
            metadata: {name: client-credential, namespace: istio-system}
            stringData: {tls.crt: CHAIN, tls.key: KEY, ca.crt: ROOTS}
            """;
        var mesh = TestMesh.Load(External, secret, Rule("tls: {mode: MUTUAL, credentialName: client-credential}"), """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: egress, namespace: istio-system}
            spec:
              selector: {istio: egressgateway}
              servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [edition.cnn.com]}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: cnn, namespace: istio-system}
            spec:
              hosts: [edition.cnn.com]
              gateways: [egress]
              http: [{route: [{destination: {host: edition.cnn.com, port: {number: 443}}}]}]
            """);
        var labels = new Dictionary<string, string> { ["istio"] = "egressgateway" };
        var trusted = ProxySnapshotBuilder.Build(mesh, ProxyRequest.Gateway("egress", "istio-system", labels));
        var tls = trusted.Clusters.Single(c => c.Name == "outbound|443||edition.cnn.com").Tls;
        Assert.Equal("CHAIN", tls.ClientCertificate.InlinePem);
        Assert.Equal("KEY", tls.PrivateKey.InlinePem);
        Assert.Equal("ROOTS", tls.CaCertificates.InlinePem);

        var untrusted = ProxySnapshotBuilder.Build(mesh, ProxyRequest.Gateway("egress", "istio-system", labels) with { MayReadSecrets = false });
        var withheld = untrusted.Clusters.Single(c => c.Name == "outbound|443||edition.cnn.com").Tls;
        Assert.Null(withheld.ClientCertificate);
        Assert.Contains(untrusted.Notices, n => n.Contains("credentialName client-credential withheld", StringComparison.Ordinal));
    }

    private static string Rule(string policy) => $"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {"{"}name: cnn, namespace: default{"}"}
        spec:
          host: edition.cnn.com
          trafficPolicy:
        {string.Join("\n", policy.Split('\n').Select(l => "    " + l))}
        """;
}
