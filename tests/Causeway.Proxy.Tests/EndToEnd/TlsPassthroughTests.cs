using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// TLS routed by SNI without being terminated: a Gateway server with <c>tls.mode: PASSTHROUGH</c> and VirtualService
/// <c>tls</c> routes (istio.io "Ingress Gateway without TLS Termination"), and a sidecar's TLS port to external hosts
/// through an egress gateway (istio.io "Egress Gateways", HTTPS traffic). The backends are HTTPS servers with their own
/// certificates from their own CA: a client that verifies the name against that CA proves the backend's certificate
/// reached it untouched.
/// </summary>
public sealed class TlsPassthroughTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> IngressLabels = new() { ["istio"] = "ingressgateway" };
    private static readonly Dictionary<string, string> EgressLabels = new() { ["istio"] = "egressgateway" };
    private readonly TestCertificates ca = TestCertificates.NewCa("External CA");
    private readonly DirectoryInfo files = Directory.CreateTempSubdirectory("causeway-passthrough-");
    private TlsBackend nginx = null!;
    private TlsBackend httpbin = null!;

    public async Task InitializeAsync()
    {
        nginx = await TlsBackend.StartAsync("nginx", ca.Issue("nginx.example.com", ["nginx.example.com"]));
        httpbin = await TlsBackend.StartAsync("httpbin", ca.Issue("httpbin.example.com", ["httpbin.example.com", "*.httpbin.example.com"]));
        await File.WriteAllTextAsync(Path.Combine(files.FullName, "ca.pem"), ca.CaPem);
    }

    public async Task DisposeAsync()
    {
        await nginx.DisposeAsync();
        await httpbin.DisposeAsync();
        files.Delete(true);
    }

    [Fact]
    public async Task Passthrough_gateway_picks_the_backend_by_sni_and_the_backends_own_certificate_reaches_curl()
    {
        await using var gateway = await ProxyUnderTest.GatewayAsync(IngressMesh(), IngressLabels, 443);
        var port = gateway.Port(443);
        foreach (var (host, name) in new[] { ("nginx.example.com", "nginx"), ("httpbin.example.com", "httpbin"), ("api.httpbin.example.com", "httpbin") })
        {
            // curl checks the served chain against the backends' CA and the name against the SNI: the gateway holds
            // no certificate, so only the backend's own can pass.
            var output = await Curl.RunAsync("-sS", "--cacert", Path.Combine(files.FullName, "ca.pem"), "--resolve", $"{host}:{port}:127.0.0.1", $"https://{host}:{port}/");
            Assert.Equal($"{name} sni={host}", output);
        }

        Assert.Equal(1, nginx.Requests);
        Assert.Equal(2, httpbin.Requests);
    }

    [Fact]
    public async Task Passthrough_gateway_serves_h2_end_to_end_as_the_backend_negotiates_it()
    {
        await using var gateway = await ProxyUnderTest.GatewayAsync(IngressMesh(), IngressLabels, 443);
        var (subject, protocol) = await HandshakeAsync(gateway.Port(443), "nginx.example.com");
        Assert.Equal("CN=nginx.example.com", subject);
        Assert.Equal(SslApplicationProtocol.Http2, protocol); // ALPN was the backend's answer, not the gateway's
    }

    [Fact]
    public async Task A_server_name_no_route_names_and_a_client_that_is_not_tls_are_closed_with_NR()
    {
        // Envoy closes a connection that matches no filter chain; Istio builds none for a name no tls route has.
        await using var gateway = await ProxyUnderTest.GatewayAsync(IngressMesh(), IngressLabels, 443);
        var port = gateway.Port(443);
        await Assert.ThrowsAnyAsync<Exception>(() => HandshakeAsync(port, "unknown.example.com"));

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var stream = tcp.GetStream();
            await stream.WriteAsync("GET / HTTP/1.1\r\nHost: nginx.example.com\r\n\r\n"u8.ToArray());
            var buffer = new byte[256];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.Equal(0, await stream.ReadAsync(buffer, timeout.Token)); // closed, nothing answered
        }

        await Eventually.Until(() => gateway.Host.Stats.Count(flag: "NR") >= 2, () => "two connections flagged NR");
        Assert.Equal(0, nginx.Requests + httpbin.Requests);
    }

    [Fact]
    public async Task One_port_terminates_one_servers_names_and_passes_anothers_through_by_sni()
    {
        // Envoy's filter chains on one port: a SIMPLE server's name is terminated with the gateway's certificate
        // and routed by HTTP; a PASSTHROUGH server's name reaches its backend untouched.
        var gatewayCertificate = ca.Issue("bookinfo.example.com", ["bookinfo.example.com"]);
        var productpage = await Backend.StartAsync("productpage");
        try
        {
            var yaml = IngressMesh().Replace("hosts: [nginx.example.com, \"*.httpbin.example.com\", httpbin.example.com]", """
                hosts: [nginx.example.com, "*.httpbin.example.com", httpbin.example.com]
                  - port: {number: 443, name: https-bookinfo, protocol: HTTPS}
                    hosts: [bookinfo.example.com]
                    tls: {mode: SIMPLE, credentialName: bookinfo-cert}
                """.TrimEnd(), StringComparison.Ordinal)
                + "\n" + TestCertificates.Secret("bookinfo-cert", "istio-system", gatewayCertificate.CertificatePem, gatewayCertificate.KeyPem)
                + "---\n" + MeshYaml.Service("productpage", "default", [(productpage, "v1")]) + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: bookinfo, namespace: default}
                spec:
                  hosts: [bookinfo.example.com]
                  gateways: [mygateway]
                  http: [{route: [{destination: {host: productpage}}]}]
                """;
            await using var gateway = await ProxyUnderTest.GatewayAsync(yaml, IngressLabels, 443);
            var port = gateway.Port(443);
            var cacert = Path.Combine(files.FullName, "ca.pem");
            Assert.Equal("nginx sni=nginx.example.com", await Curl.RunAsync("-sS", "--cacert", cacert, "--resolve", $"nginx.example.com:{port}:127.0.0.1", $"https://nginx.example.com:{port}/"));
            var terminated = await Curl.RunAsync("-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", cacert, "--resolve", $"bookinfo.example.com:{port}:127.0.0.1", $"https://bookinfo.example.com:{port}/productpage");
            Assert.Equal("200", terminated);
            Assert.Equal(1, productpage.Requests);
            Assert.Equal(1, nginx.Requests);
        }
        finally
        {
            await productpage.DisposeAsync();
        }
    }

    [Fact]
    public async Task Egress_gateway_for_https_traffic_replays_the_istio_task_sidecar_to_gateway_to_external_host()
    {
        // istio.io "Egress Gateways", HTTPS traffic: the sidecar sends TLS for edition.cnn.com to the egress gateway
        // (tls rule for gateways [mesh]), which passes it through to the external host (rule for the gateway).
        // edition.cnn.com is a local HTTPS server with its own CA; nothing here decrypts.
        var cnn = await TlsBackend.StartAsync("cnn", ca.Issue("edition.cnn.com", ["edition.cnn.com"]));
        try
        {
            await using var egress = await ProxyUnderTest.GatewayAsync(EgressMesh(cnn.Port, gatewayPort: 1), EgressLabels, 443);
            await using var sidecar = await ProxyUnderTest.SidecarAsync(EgressMesh(cnn.Port, egress.Port(443)), "sleep", "default", 443);
            var port = sidecar.Port(443);
            var output = await Curl.RunAsync("-sS", "--cacert", Path.Combine(files.FullName, "ca.pem"), "--resolve", $"edition.cnn.com:{port}:127.0.0.1", $"https://edition.cnn.com:{port}/politics");
            Assert.Equal("cnn sni=edition.cnn.com", output);
            Assert.Equal(1, cnn.Requests);

            // Both hops relayed the connection: the sidecar to the gateway's cluster, the gateway to the external host.
            Assert.Equal(1, sidecar.Host.Stats.Count(cluster: "outbound|443|cnn|istio-egressgateway.istio-system.svc.cluster.local", flag: "-"));
            Assert.Equal(1, egress.Host.Stats.Count(cluster: "outbound|443||edition.cnn.com", flag: "-"));
        }
        finally
        {
            await cnn.DisposeAsync();
        }
    }

    [Fact]
    public async Task Sidecar_tls_port_tells_external_services_apart_by_sni_without_a_virtual_service()
    {
        // Two TLS ServiceEntries on one port: Istio's default filter chains match each service's host name.
        await using var sidecar = await ProxyUnderTest.SidecarAsync(ExternalServices(), "sleep", "default", 443);
        var port = sidecar.Port(443);
        var (nginxSubject, _) = await HandshakeAsync(port, "nginx.example.com");
        var (httpbinSubject, _) = await HandshakeAsync(port, "httpbin.example.com");
        Assert.Equal("CN=nginx.example.com", nginxSubject);
        Assert.Equal("CN=httpbin.example.com", httpbinSubject);
        await Assert.ThrowsAnyAsync<Exception>(() => HandshakeAsync(port, "elsewhere.example.net"));
    }

    private string IngressMesh() => $$"""
        {{TlsService("my-nginx", "default", nginx.Port)}}
        {{TlsService("httpbin", "default", httpbin.Port)}}
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata:
          name: mygateway
          namespace: default
        spec:
          selector:
            istio: ingressgateway
          servers:
          - port: {number: 443, name: https, protocol: HTTPS}
            tls:
              mode: PASSTHROUGH
            hosts: [nginx.example.com, "*.httpbin.example.com", httpbin.example.com]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: nginx
          namespace: default
        spec:
          hosts: [nginx.example.com]
          gateways: [mygateway]
          tls:
          - match:
            - port: 443
              sniHosts: [nginx.example.com]
            route:
            - destination:
                host: my-nginx
                port: {number: 443}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: httpbin
          namespace: default
        spec:
          hosts: [httpbin.example.com, "*.httpbin.example.com"]
          gateways: [mygateway]
          tls:
          - match:
            - port: 443
              sniHosts: [httpbin.example.com, "*.httpbin.example.com"]
            route:
            - destination:
                host: httpbin
                port: {number: 443}
        """;

    private string ExternalServices() => MeshYaml.Client("sleep") + $$"""
        {{External("nginx-external", "nginx.example.com", nginx.Port)}}
        {{External("httpbin-external", "httpbin.example.com", httpbin.Port)}}
        """;

    private static string EgressMesh(int cnnPort, int gatewayPort) => MeshYaml.Client("sleep") + $$"""
        {{External("cnn", "edition.cnn.com", cnnPort)}}
        {{TlsService("istio-egressgateway", "istio-system", gatewayPort, "istio: egressgateway")}}
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata:
          name: istio-egressgateway
          namespace: default
        spec:
          selector:
            istio: egressgateway
          servers:
          - port: {number: 443, name: tls, protocol: TLS}
            hosts: [edition.cnn.com]
            tls:
              mode: PASSTHROUGH
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: egressgateway-for-cnn
          namespace: default
        spec:
          host: istio-egressgateway.istio-system.svc.cluster.local
          subsets:
          - name: cnn
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: direct-cnn-through-egress-gateway
          namespace: default
        spec:
          hosts: [edition.cnn.com]
          gateways: [mesh, istio-egressgateway]
          tls:
          - match:
            - gateways: [mesh]
              port: 443
              sniHosts: [edition.cnn.com]
            route:
            - destination:
                host: istio-egressgateway.istio-system.svc.cluster.local
                subset: cnn
                port: {number: 443}
          - match:
            - gateways: [istio-egressgateway]
              port: 443
              sniHosts: [edition.cnn.com]
            route:
            - destination:
                host: edition.cnn.com
                port: {number: 443}
              weight: 100
        """;

    /// <summary>A ServiceEntry for an external TLS host on port 443, its one endpoint 127.0.0.1 at <paramref name="port"/>.</summary>
    private static string External(string name, string host, int port) => $$"""
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: {{name}}
          namespace: default
        spec:
          hosts: [{{host}}]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports:
          - {number: 443, name: tls, protocol: TLS}
          endpoints:
          - address: 127.0.0.1
            ports:
              tls: {{port}}
        """;

    /// <summary>A TLS service on port 443 whose one endpoint is 127.0.0.1 at <paramref name="port"/>.</summary>
    private static string TlsService(string name, string ns, int port, string labels = "") => $$"""
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:
          hosts: [{{name}}.{{ns}}.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports:
          - {number: 443, name: https, protocol: HTTPS}
          workloadSelector:
            labels: {app: {{name}}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:
          address: 127.0.0.1
          ports:
            https: {{port}}
          labels:
            app: {{name}}{{(labels == "" ? "" : "\n    " + labels)}}
        """;

    /// <summary>Handshakes with <paramref name="serverName"/> as SNI, trusting only the backends' CA; the served subject and ALPN.</summary>
    private async Task<(string Subject, SslApplicationProtocol Protocol)> HandshakeAsync(int port, string serverName)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        string? subject = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                subject = certificate?.Subject;
                return TestCertificates.TrustedBy(ca.Ca)(sender, certificate, chain, errors);
            },
        }, timeout.Token);
        return (subject!, tls.NegotiatedApplicationProtocol);
    }
}
