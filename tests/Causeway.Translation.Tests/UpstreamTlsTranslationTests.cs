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

    [Theory]
    [InlineData("DISABLE")]
    [InlineData("ISTIO_MUTUAL")] // needs the mesh CA: plaintext until it exists
    public void Disable_and_istio_mutual_originate_nothing(string mode)
    {
        var mesh = TestMesh.Load(TestMesh.Service("client", "default"), External, Rule($"tls: {{mode: {mode}}}"));
        Assert.Null(mesh.Sidecar("client-v1", "default", ("app", "client")).Cluster("outbound|443||edition.cnn.com")!.Tls);
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
