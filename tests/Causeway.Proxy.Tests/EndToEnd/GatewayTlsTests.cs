using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// A gateway terminating TLS as Istio's Gateway servers describe (istio.io "Secure Gateways"): SIMPLE with the
/// certificate from credentialName or from files, one certificate per server picked by SNI, h2 and HTTP/1.1 by ALPN,
/// MUTUAL with client certificates, httpsRedirect, and TLS terminated in front of a TCP service.
/// </summary>
public sealed class GatewayTlsTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> IngressLabels = new() { ["istio"] = "ingressgateway" };
    private readonly TestCertificates ca = TestCertificates.NewCa();
    private readonly DirectoryInfo files = Directory.CreateTempSubdirectory("causeway-tls-");
    private Backend productpage = null!;

    public async Task InitializeAsync() => productpage = await Backend.StartAsync("productpage");

    public async Task DisposeAsync()
    {
        await productpage.DisposeAsync();
        files.Delete(true);
    }

    [Fact]
    public async Task Simple_tls_from_credentialName_serves_h2_by_alpn_with_x_forwarded_proto_https()
    {
        await using var gateway = await ProxyUnderTest.GatewayAsync(Mesh(), IngressLabels, 443, 80);
        using var client = Client(gateway.Port(443));
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://bookinfo.example.com/productpage") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("https", echo.GetProperty("headers").GetProperty("x-forwarded-proto").GetString());
        Assert.Equal("CN=bookinfo.example.com", client.ServedSubject);
    }

    [Fact]
    public async Task Http_1_1_over_tls_is_chosen_when_the_client_offers_only_http_1_1()
    {
        await using var gateway = await ProxyUnderTest.GatewayAsync(Mesh(), IngressLabels, 443, 80);
        using var client = Client(gateway.Port(443));
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://bookinfo.example.com/productpage") { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
    }

    [Fact]
    public async Task Each_server_on_the_port_presents_its_own_certificate_by_sni()
    {
        // Istio: one filter chain per Gateway server, matched on SNI against the server's hosts.
        await using var gateway = await ProxyUnderTest.GatewayAsync(Mesh(), IngressLabels, 443, 80);
        using var client = Client(gateway.Port(443));
        using var response = await client.Http.GetAsync("https://shop.example.org/productpage");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("CN=wildcard.example.org", client.ServedSubject);
    }

    [Fact]
    public async Task A_request_routes_by_the_server_its_sni_chose_so_a_host_of_another_server_is_404()
    {
        // Envoy builds one filter chain per HTTPS server, each with a route table of that server's hosts only
        // (Istio's https.443.<port name>.<gateway>.<namespace>): the SNI picks the chain, the Host a virtual host in it.
        await using var gateway = await ProxyUnderTest.GatewayAsync(Mesh(), IngressLabels, 443, 80);
        var port = gateway.Port(443);
        Assert.Equal(200, await StatusOverTlsAsync(port, sni: "shop.example.org", host: "shop.example.org"));
        Assert.Equal(200, await StatusOverTlsAsync(port, sni: "bookinfo.example.com", host: "bookinfo.example.com"));
        Assert.Equal(404, await StatusOverTlsAsync(port, sni: "shop.example.org", host: "bookinfo.example.com"));
        Assert.Equal(404, await StatusOverTlsAsync(port, sni: "bookinfo.example.com", host: "shop.example.org"));
        Assert.Equal(2, gateway.Host.Stats.Count(code: 404, flag: "NR"));
        Assert.Equal(
            ["https.443.https.web-gateway.default", "https.443.https-files.web-gateway.default"],
            gateway.Snapshot.Listeners.Single(l => l.Port == 443).Tls.Servers.Select(s => s.RouteTable));
    }

    [Fact]
    public async Task Curl_negotiates_h2_and_verifies_the_served_chain_against_the_ca()
    {
        // An independent client: curl with OpenSSL and nghttp2 checks the certificate name and chain itself.
        await using var gateway = await ProxyUnderTest.GatewayAsync(Mesh(), IngressLabels, 443, 80);
        var caFile = Path.Combine(files.FullName, "ca.pem");
        await File.WriteAllTextAsync(caFile, ca.CaPem);
        var port = gateway.Port(443);
        var output = await Curl.RunAsync("-sS", "--http2", "--cacert", caFile, "--resolve", $"bookinfo.example.com:{port}:127.0.0.1",
            "-o", "/dev/null", "-w", "%{http_version} %{http_code}", $"https://bookinfo.example.com:{port}/productpage");
        Assert.Equal("2 200", output);
    }

    [Fact]
    public async Task Https_redirect_answers_plaintext_with_301_to_https_keeping_host_path_and_query()
    {
        // Gateway server tls.httpsRedirect: Envoy's require_tls ALL, applied before any route; hosts with no
        // VirtualService are redirected too.
        await using var gateway = await ProxyUnderTest.GatewayAsync(Mesh(), IngressLabels, 443, 80);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
        foreach (var host in new[] { "bookinfo.example.com", "legacy.example.com" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url(80, "/productpage?user=jason"));
            request.Headers.Host = host;
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
            Assert.Equal($"https://{host}/productpage?user=jason", response.Headers.Location?.OriginalString);
        }

        Assert.Equal(0, productpage.Requests);
    }

    [Fact]
    public async Task Mutual_tls_requires_a_client_certificate_from_the_ca_with_an_allowed_san()
    {
        var allowed = ca.Issue("client", [], ["spiffe://cluster.local/ns/default/sa/client"]);
        var wrongSan = ca.Issue("other", ["other.example.com"]);
        var stranger = TestCertificates.NewCa("Another CA").Issue("client", [], ["spiffe://cluster.local/ns/default/sa/client"]);
        var server = ca.Issue("mtls.example.com", ["mtls.example.com"]);
        var yaml = Backends() + TestCertificates.Secret("mtls-cert", "istio-system", server.CertificatePem, server.KeyPem, ca.CaPem) + """
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata:
              name: mtls-gateway
              namespace: default
            spec:
              selector:
                istio: ingressgateway
              servers:
              - port: {number: 443, name: https, protocol: HTTPS}
                hosts: [mtls.example.com]
                tls:
                  mode: MUTUAL
                  credentialName: mtls-cert
                  subjectAltNames: ["spiffe://cluster.local/ns/default/sa/client"]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: mtls
              namespace: default
            spec:
              hosts: [mtls.example.com]
              gateways: [mtls-gateway]
              http:
              - route:
                - destination:
                    host: productpage
            """;
        await using var gateway = await ProxyUnderTest.GatewayAsync(yaml, IngressLabels, 443);
        var port = gateway.Port(443);

        using (var ok = Client(port, allowed.Certificate))
        {
            Assert.Equal(HttpStatusCode.OK, (await ok.Http.GetAsync("https://mtls.example.com/productpage")).StatusCode);
        }

        foreach (var refused in new[] { null, wrongSan.Certificate, stranger.Certificate })
        {
            using var client = Client(port, refused);
            await Assert.ThrowsAsync<HttpRequestException>(() => client.Http.GetAsync("https://mtls.example.com/productpage"));
        }
    }

    [Fact]
    public async Task Tls_server_with_simple_mode_terminates_tls_in_front_of_a_tcp_service()
    {
        // Gateway server protocol TLS, mode SIMPLE: TLS ends at the gateway and the VirtualService's tcp route carries the bytes.
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        _ = Task.Run(async () =>
        {
            using var c = await echo.AcceptTcpClientAsync();
            var s = c.GetStream();
            var buf = new byte[1024];
            int n;
            while ((n = await s.ReadAsync(buf)) > 0)
            {
                await s.WriteAsync(buf.AsMemory(0, n));
            }
        });
        var server = ca.Issue("db.example.com", ["db.example.com"]);
        var yaml = MeshYaml.Service("db", "default", [(productpage, "v1")], "TCP", 5432).Replace($"tcp: {productpage.Http1Port}", $"tcp: {((IPEndPoint)echo.LocalEndpoint).Port}", StringComparison.Ordinal)
            + TestCertificates.Secret("db-cert", "istio-system", server.CertificatePem, server.KeyPem) + """
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata:
              name: db-gateway
              namespace: default
            spec:
              selector:
                istio: ingressgateway
              servers:
              - port: {number: 5432, name: tls-db, protocol: TLS}
                hosts: [db.example.com]
                tls: {mode: SIMPLE, credentialName: db-cert}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: db
              namespace: default
            spec:
              hosts: [db.example.com]
              gateways: [db-gateway]
              tcp:
              - route:
                - destination:
                    host: db.default.svc.cluster.local
            """;
        await using var gateway = await ProxyUnderTest.GatewayAsync(yaml, IngressLabels, 5432);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, gateway.Port(5432));
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "db.example.com", RemoteCertificateValidationCallback = TestCertificates.TrustedBy(ca.Ca) });
        await tls.WriteAsync("ping over tls"u8.ToArray());
        var reply = new byte[13];
        await tls.ReadExactlyAsync(reply);
        Assert.Equal("ping over tls", Encoding.ASCII.GetString(reply));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Cipher_suites_and_protocol_versions_limit_what_a_client_can_negotiate()
    {
        // Gateway server tls.cipherSuites / minProtocolVersion / maxProtocolVersion, applied as Envoy's
        // tls_params: a TLS 1.2 client offering only other suites is refused; TLS 1.3 is refused under a TLS 1.2 maximum.
        var server = ca.Issue("ciphers.example.com", ["ciphers.example.com"]);
        var yaml = Backends() + TestCertificates.Secret("ciphers-cert", "istio-system", server.CertificatePem, server.KeyPem) + """
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata:
              name: ciphers-gateway
              namespace: default
            spec:
              selector:
                istio: ingressgateway
              servers:
              - port: {number: 443, name: https, protocol: HTTPS}
                hosts: [ciphers.example.com]
                tls:
                  mode: SIMPLE
                  credentialName: ciphers-cert
                  maxProtocolVersion: TLSV1_2
                  cipherSuites: [ECDHE-ECDSA-AES256-GCM-SHA384]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ciphers
              namespace: default
            spec:
              hosts: [ciphers.example.com]
              gateways: [ciphers-gateway]
              http:
              - route:
                - destination:
                    host: productpage
            """;
        await using var gateway = await ProxyUnderTest.GatewayAsync(yaml, IngressLabels, 443);
        var port = gateway.Port(443);

        var chosen = await HandshakeAsync(port, "ciphers.example.com", SslProtocols.Tls12, [TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]);
        Assert.Equal(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, chosen);
        await Assert.ThrowsAnyAsync<Exception>(() => HandshakeAsync(port, "ciphers.example.com", SslProtocols.Tls12, [TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]));
        await Assert.ThrowsAnyAsync<Exception>(() => HandshakeAsync(port, "ciphers.example.com", SslProtocols.Tls13, null));

        // With the maximum lifted, TLS 1.3 still works: its own suites are not what cipherSuites lists (Envoy alike).
        var lifted = yaml.Replace("maxProtocolVersion: TLSV1_2", "maxProtocolVersion: TLSV1_3", StringComparison.Ordinal);
        Assert.Null(await gateway.ReconfigureGatewayAsync(lifted, IngressLabels));
        Assert.Equal(TlsCipherSuite.TLS_AES_128_GCM_SHA256, await HandshakeAsync(port, "ciphers.example.com", SslProtocols.Tls13, [TlsCipherSuite.TLS_AES_128_GCM_SHA256]));
    }

    /// <summary>A bare TLS handshake with the gateway offering only these protocols and suites; the suite it agreed on.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private async Task<TlsCipherSuite> HandshakeAsync(int port, string host, SslProtocols protocols, TlsCipherSuite[]? suites)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            EnabledSslProtocols = protocols,
            CipherSuitesPolicy = suites is null ? null : new CipherSuitesPolicy(suites),
            RemoteCertificateValidationCallback = TestCertificates.TrustedBy(ca.Ca),
        });
        return tls.NegotiatedCipherSuite;
    }

    [Fact]
    public async Task An_unreadable_certificate_file_rejects_the_snapshot_and_the_last_good_one_keeps_serving()
    {
        await using var gateway = await ProxyUnderTest.GatewayAsync(Mesh(), IngressLabels, 443, 80);
        File.Delete(Path.Combine(files.FullName, "wildcard.pem"));
        var error = await gateway.ReconfigureGatewayAsync(Mesh(writeFiles: false), IngressLabels);
        Assert.NotNull(error);
        Assert.Contains("gateway default/web-gateway server https-files", error, StringComparison.Ordinal);
        Assert.Contains("wildcard.pem", error, StringComparison.Ordinal);
        using var client = Client(gateway.Port(443));
        Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync("https://bookinfo.example.com/productpage")).StatusCode);
    }

    [Fact]
    public async Task The_admin_config_dump_never_shows_a_private_key()
    {
        await using var gateway = await ProxyUnderTest.GatewayAsync(Mesh(), IngressLabels, 443, 80);
        using var http = new HttpClient();
        var dump = await http.GetStringAsync(gateway.Admin("/config_dump"));
        Assert.Contains("BEGIN CERTIFICATE", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", dump, StringComparison.Ordinal);
        Assert.Contains("[redacted]", dump, StringComparison.Ordinal);
    }

    /// <summary>
    /// A gateway with HTTPS on 443 (bookinfo.example.com from a Secret, *.example.org from files) and HTTP on 80
    /// redirecting to https for bookinfo.example.com and legacy.example.com.
    /// </summary>
    private string Mesh(bool writeFiles = true)
    {
        var bookinfo = ca.Issue("bookinfo.example.com", ["bookinfo.example.com"]);
        var certFile = Path.Combine(files.FullName, "wildcard.pem");
        var keyFile = Path.Combine(files.FullName, "wildcard-key.pem");
        if (writeFiles)
        {
            var wildcard = ca.Issue("wildcard.example.org", ["*.example.org"]);
            File.WriteAllText(certFile, wildcard.CertificatePem);
            File.WriteAllText(keyFile, wildcard.KeyPem);
        }

        return Backends() + TestCertificates.Secret("bookinfo-cert", "istio-system", bookinfo.CertificatePem, bookinfo.KeyPem) + $$"""
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata:
              name: web-gateway
              namespace: default
            spec:
              selector:
                istio: ingressgateway
              servers:
              - port: {number: 443, name: https, protocol: HTTPS}
                hosts: [bookinfo.example.com]
                tls: {mode: SIMPLE, credentialName: bookinfo-cert}
              - port: {number: 443, name: https-files, protocol: HTTPS}
                hosts: ["*.example.org"]
                tls: {mode: SIMPLE, serverCertificate: {{certFile}}, privateKey: {{keyFile}}}
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: [bookinfo.example.com, legacy.example.com]
                tls: {httpsRedirect: true}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: web
              namespace: default
            spec:
              hosts: [bookinfo.example.com, "*.example.org"]
              gateways: [web-gateway]
              http:
              - route:
                - destination:
                    host: productpage
            """;
    }

    /// <summary>One HTTP/1.1 request over TLS with the SNI and the Host chosen apart (HttpClient derives one from the other).</summary>
    private async Task<int> StatusOverTlsAsync(int port, string sni, string host)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = sni, RemoteCertificateValidationCallback = TestCertificates.TrustedBy(ca.Ca), ApplicationProtocols = [SslApplicationProtocol.Http11] });
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET /productpage HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(tls, Encoding.ASCII);
        var status = (await reader.ReadLineAsync())!;
        return int.Parse(status.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private string Backends() => MeshYaml.Service("productpage", "default", [(productpage, "v1")]);

    /// <summary>An HTTPS client that connects every host name to the gateway's local port and trusts only the test CA.</summary>
    private TlsClient Client(int port, X509Certificate2? clientCertificate = null) => new(port, ca.Ca, clientCertificate);

    private sealed class TlsClient : IDisposable
    {
        public TlsClient(int port, X509Certificate2 root, X509Certificate2? clientCertificate)
        {
            var trusted = TestCertificates.TrustedBy(root);
            var handler = new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                ConnectCallback = async (_, cancel) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync(IPAddress.Loopback, port, cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                },
                SslOptions = new SslClientAuthenticationOptions
                {
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                    {
                        ServedSubject = certificate?.Subject;
                        return trusted(sender, certificate, chain, errors);
                    },
                    ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                    LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
                },
            };
            Http = new HttpClient(handler);
        }

        public HttpClient Http { get; }

        public string? ServedSubject { get; private set; }

        public void Dispose() => Http.Dispose();
    }
}
