using System.Net;
using System.Net.Sockets;
using System.Text;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// TLS originated by the proxy (DestinationRule tls SIMPLE and MUTUAL), replaying istio.io "Egress TLS Origination"
/// and "Egress Gateways with TLS Origination": the application speaks plain HTTP to edition.cnn.com and the proxy
/// (the sidecar, or the egress gateway) opens TLS to it, with SNI and the server's certificate verified. The external
/// host is a local HTTPS server with its own CA; the DestinationRules point caCertificates at that CA, since it is
/// not in the system's store.
/// </summary>
public sealed class EgressTlsOriginationTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> EgressLabels = new() { ["istio"] = "egressgateway" };
    private readonly TestCertificates ca = TestCertificates.NewCa("External CA");
    private readonly DirectoryInfo files = Directory.CreateTempSubdirectory("causeway-origination-");
    private TlsBackend cnn = null!;

    private string CaFile => Path.Combine(files.FullName, "ca.pem");

    public async Task InitializeAsync()
    {
        cnn = await TlsBackend.StartAsync("cnn", ca.Issue("edition.cnn.com", ["edition.cnn.com"]));
        await File.WriteAllTextAsync(CaFile, ca.CaPem);
    }

    public async Task DisposeAsync()
    {
        await cnn.DisposeAsync();
        files.Delete(true);
    }

    [Fact]
    public async Task Sidecar_originates_tls_for_plain_http_on_port_80_with_sni_and_a_verified_certificate()
    {
        await using var sidecar = await ProxyUnderTest.SidecarAsync(Cnn(cnn.Port) + OriginateOnPort80($"caCertificates: {CaFile}"), "sleep", "default", 80);
        var (status, body) = await GetAsync(sidecar.Url(80, "/politics"), "edition.cnn.com");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cnn sni=edition.cnn.com", body); // the backend saw TLS with the SNI; the app sent plaintext
        Assert.Equal(1, cnn.Requests);
    }

    [Fact]
    public async Task A_certificate_that_does_not_verify_is_a_connection_failure_503_UF_and_nothing_reaches_the_host()
    {
        // Istio verifies at the client by default: without caCertificates the system roots apply, which do not
        // know this CA; subjectAltNames that the certificate does not carry fail too.
        foreach (var tls in new[] { "", $"caCertificates: {CaFile}\n        subjectAltNames: [other.cnn.com]", $"caCertificates: {CaFile}\n        sni: wrong.example.com" })
        {
            await using var sidecar = await ProxyUnderTest.SidecarAsync(Cnn(cnn.Port) + OriginateOnPort80(tls), "sleep", "default", 80);
            var (status, _) = await GetAsync(sidecar.Url(80, "/politics"), "edition.cnn.com");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.True(sidecar.Host.Stats.Count(code: 503, flag: "UF,URX") + sidecar.Host.Stats.Count(code: 503, flag: "UF") == 1, sidecar.Host.Stats.Render());
        }

        Assert.Equal(0, cnn.Requests);
    }

    [Fact]
    public async Task A_ca_file_that_cannot_be_read_rejects_the_snapshot_and_the_last_good_one_keeps_serving()
    {
        await using var sidecar = await ProxyUnderTest.SidecarAsync(Cnn(cnn.Port) + OriginateOnPort80($"caCertificates: {CaFile}"), "sleep", "default", 80);
        var error = await sidecar.ReconfigureAsync(Cnn(cnn.Port) + OriginateOnPort80("caCertificates: /nonexistent/ca.pem"), "sleep", "default");
        Assert.NotNull(error);
        Assert.Contains("outbound|80||edition.cnn.com", error, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/ca.pem", error, StringComparison.Ordinal);
        var (status, _) = await GetAsync(sidecar.Url(80, "/"), "edition.cnn.com");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Insecure_skip_verify_accepts_any_certificate()
    {
        await using var sidecar = await ProxyUnderTest.SidecarAsync(Cnn(cnn.Port) + OriginateOnPort80("insecureSkipVerify: true"), "sleep", "default", 80);
        var (status, body) = await GetAsync(sidecar.Url(80, "/"), "edition.cnn.com");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cnn sni=edition.cnn.com", body);
    }

    [Fact]
    public async Task Egress_gateway_originates_tls_for_the_sidecars_plain_http()
    {
        // istio.io "Egress Gateways with TLS Origination": sidecar -> egress gateway on port 80 (plaintext, the
        // gateways [mesh] rule) -> edition.cnn.com:443 with TLS originated by the gateway (its DestinationRule).
        await using var egress = await ProxyUnderTest.GatewayAsync(EgressGatewayMesh(cnn.Port, gatewayPort: 1, ""), EgressLabels, 80);
        await using var sidecar = await ProxyUnderTest.SidecarAsync(EgressGatewayMesh(cnn.Port, egress.Port(80), ""), "sleep", "default", 80);
        var (status, body) = await GetAsync(sidecar.Url(80, "/politics"), "edition.cnn.com");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cnn sni=edition.cnn.com", body);
        Assert.Equal(1, egress.Host.Stats.Count(cluster: "outbound|443||edition.cnn.com", code: 200));
    }

    [Fact]
    public async Task Egress_gateway_originates_mutual_tls_with_its_client_certificate()
    {
        // The mutual TLS variant of the task, with the client certificate as files (clientCertificate, privateKey).
        var clientCa = TestCertificates.NewCa("Client CA");
        var client = clientCa.Issue("egress-client", ["client.example.com"]);
        await File.WriteAllTextAsync(Path.Combine(files.FullName, "client.pem"), client.CertificatePem);
        await File.WriteAllTextAsync(Path.Combine(files.FullName, "client.key"), client.KeyPem);
        await using var mutual = await TlsBackend.StartAsync("cnn-mtls", ca.Issue("edition.cnn.com", ["edition.cnn.com"]), clientCa.Ca);
        var tls = $"mode: MUTUAL\n        clientCertificate: {files.FullName}/client.pem\n        privateKey: {files.FullName}/client.key";
        await using var egress = await ProxyUnderTest.GatewayAsync(EgressGatewayMesh(mutual.Port, gatewayPort: 1, tls), EgressLabels, 80);
        await using var sidecar = await ProxyUnderTest.SidecarAsync(EgressGatewayMesh(mutual.Port, egress.Port(80), tls), "sleep", "default", 80);
        var (status, body) = await GetAsync(sidecar.Url(80, "/politics"), "edition.cnn.com");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cnn-mtls sni=edition.cnn.com client=CN=egress-client", body);

        // Without the client certificate the server refuses the handshake: 503, and it never saw a request.
        await using var without = await ProxyUnderTest.GatewayAsync(EgressGatewayMesh(mutual.Port, gatewayPort: 1, ""), EgressLabels, 80);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, without.Url(80, "/politics"));
        request.Headers.Host = "edition.cnn.com";
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.SendAsync(request)).StatusCode);
        Assert.Equal(1, mutual.Requests);
    }

    [Fact]
    public async Task Tcp_port_originates_tls_and_relays_bytes_inside_it()
    {
        // A TCP service whose DestinationRule says SIMPLE: the TCP relay handshakes, then relays (Envoy's
        // UpstreamTlsContext on a tcp_proxy cluster). The application's bytes are a plain HTTP/1.1 request.
        var yaml = MeshYaml.Client("sleep") + $$"""
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: cnn-tcp, namespace: default}
            spec:
              hosts: [edition.cnn.com]
              location: MESH_EXTERNAL
              resolution: STATIC
              ports:
              - {number: 7000, name: tcp, protocol: TCP}
              endpoints:
              - address: 127.0.0.1
                ports:
                  tcp: {{cnn.Port}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: cnn-tcp, namespace: default}
            spec:
              host: edition.cnn.com
              trafficPolicy:
                tls: {mode: SIMPLE, caCertificates: {{CaFile}}}
            """;
        await using var sidecar = await ProxyUnderTest.SidecarAsync(yaml, "sleep", "default", 7000);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, sidecar.Port(7000));
        var stream = tcp.GetStream();
        await stream.WriteAsync("GET /tcp HTTP/1.1\r\nHost: edition.cnn.com\r\nConnection: close\r\n\r\n"u8.ToArray());
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var answer = await reader.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Contains("\r\ncnn sni=edition.cnn.com\r\n", answer, StringComparison.Ordinal); // a chunked body
        Assert.Equal(1, sidecar.Host.Stats.Count(cluster: "outbound|7000||edition.cnn.com", flag: "-"));
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(string url, string host)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Host = host;
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // The tls settings below are spliced into raw strings: each line after the first is indented by 8 spaces.

    /// <summary>istio.io's ServiceEntry for edition.cnn.com: port 80 HTTP (targetPort 443) and 443 HTTPS, both at the local server.</summary>
    private static string Cnn(int port) => MeshYaml.Client("sleep") + $$"""
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: edition-cnn-com, namespace: default}
        spec:
          hosts: [edition.cnn.com]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports:
          - {number: 80, name: http-port, protocol: HTTP, targetPort: 443}
          - {number: 443, name: https-port, protocol: HTTPS}
          endpoints:
          - address: 127.0.0.1
            ports:
              http-port: {{port}}
              https-port: {{port}}
        """;

    private static string OriginateOnPort80(string tls) => $$"""

        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: edition-cnn-com, namespace: default}
        spec:
          host: edition.cnn.com
          trafficPolicy:
            portLevelSettings:
            - port: {number: 80}
              tls:
                mode: SIMPLE
                {{tls}}
        """;

    private string EgressGatewayMesh(int cnnPort, int gatewayPort, string tls) => Cnn(cnnPort) + $$"""

        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: istio-egressgateway, namespace: istio-system}
        spec:
          hosts: [istio-egressgateway.istio-system.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports:
          - {number: 80, name: http, protocol: HTTP}
          workloadSelector:
            labels: {istio: egressgateway}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: istio-egressgateway, namespace: istio-system}
        spec:
          address: 127.0.0.1
          ports: {http: {{gatewayPort}}}
          labels: {istio: egressgateway}
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: istio-egressgateway, namespace: default}
        spec:
          selector: {istio: egressgateway}
          servers:
          - port: {number: 80, name: http, protocol: HTTP}
            hosts: [edition.cnn.com]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: egressgateway-for-cnn, namespace: default}
        spec:
          host: istio-egressgateway.istio-system.svc.cluster.local
          subsets:
          - name: cnn
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: direct-cnn-through-egress-gateway, namespace: default}
        spec:
          hosts: [edition.cnn.com]
          gateways: [istio-egressgateway, mesh]
          http:
          - match:
            - gateways: [mesh]
              port: 80
            route:
            - destination:
                host: istio-egressgateway.istio-system.svc.cluster.local
                subset: cnn
                port: {number: 80}
              weight: 100
          - match:
            - gateways: [istio-egressgateway]
              port: 80
            route:
            - destination:
                host: edition.cnn.com
                port: {number: 443}
              weight: 100
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: originate-tls-for-edition-cnn-com, namespace: default}
        spec:
          host: edition.cnn.com
          trafficPolicy:
            loadBalancer: {simple: ROUND_ROBIN}
            portLevelSettings:
            - port: {number: 443}
              tls:
                {{(tls.Length == 0 ? "mode: SIMPLE" : tls)}}
                caCertificates: {{CaFile}}
                sni: edition.cnn.com
        """;
}
