using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Causeway.ControlPlane.Security;
using Causeway.Protocol.V1;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Mutual TLS between two real sidecars with certificates from the real control plane's CA: auto mTLS to an
/// endpoint labelled security.istio.io/tlsMode=istio, PeerAuthentication PERMISSIVE (plaintext still served) and
/// STRICT (plaintext closed, the mesh path still works, so the sidecars speak TLS on the wire), and
/// AuthorizationPolicy by the caller's SPIFFE principal (istio.io "mutual TLS migration" and "authorization for
/// HTTP traffic").
/// </summary>
public sealed class MutualTlsTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false });
    private readonly uint port = (uint)FreePort.Next();
    private Backend httpbin = null!;

    public async Task InitializeAsync() => httpbin = await Backend.StartAsync("httpbin");

    private string MeshYaml() => $$$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: httpbin, namespace: foo}
            spec:
              hosts: [httpbin.foo.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: {{{port}}}, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: httpbin}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: httpbin, namespace: foo}
            spec: {address: 127.0.82.12, serviceAccount: httpbin, labels: {app: httpbin, security.istio.io/tlsMode: istio}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: sleep, namespace: foo}
            spec: {address: 127.0.82.11, serviceAccount: sleep, labels: {app: sleep, security.istio.io/tlsMode: istio}}
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: httpbin, namespace: foo}
            spec:
              workloadSelector: {labels: {app: httpbin}}
              ingress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:{{{httpbin.Http1Port}}}"}]
              egress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, bind: 127.0.83.12, captureMode: NONE, hosts: ["./*"]}]
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: sleep, namespace: foo}
            spec:
              workloadSelector: {labels: {app: sleep}}
              egress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, bind: 127.0.83.11, captureMode: NONE, hosts: ["./*"]}]
            """;

    public async Task DisposeAsync()
    {
        http.Dispose();
        await httpbin.DisposeAsync();
    }

    [Fact]
    public async Task Sidecars_speak_mutual_tls_and_peer_authentication_and_principals_apply()
    {
        await using var mesh = await PushedMesh.StartAsync(new Dictionary<string, string> { ["mesh.yaml"] = MeshYaml() });
        var server = await mesh.SidecarAsync("httpbin", "foo");
        var client = await mesh.SidecarAsync("sleep", "foo");
        await Eventually.Until(() => server.Ready && client.Ready, mesh.Log);
        var cluster = client.Host.State.Current!.Source.Clusters.Single(c => c.Service == "httpbin.foo.svc.cluster.local");
        Assert.True(cluster.Tls?.IstioMutual, "auto mTLS: the endpoint is labelled tlsMode istio");
        Assert.Equal(["/ns/foo/sa/httpbin"], cluster.Tls!.SubjectAltNames);

        // PERMISSIVE (the default): the mesh path (mutual TLS) and a plaintext client both reach httpbin
        Assert.Equal(HttpStatusCode.OK, await ThroughMesh());
        Assert.Equal(HttpStatusCode.OK, await Plaintext());

        // A TLS client without a workload certificate is refused in the handshake
        await Assert.ThrowsAnyAsync<Exception>(HandshakeWithoutClientCertificate);

        // STRICT (istio.io mutual TLS migration): plaintext is closed, the mesh path still works: it is TLS on the wire
        mesh.Write("peer.yaml", """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: foo}
            spec: {mtls: {mode: STRICT}}
            """);
        await Eventually.Until(() => server.Host.State.Current!.Source.Listeners.Any(l => l.Direction == TrafficDirection.Inbound && l.MeshTls == MeshTlsMode.MeshTlsStrict), mesh.Log);
        await Assert.ThrowsAsync<HttpRequestException>(Plaintext);
        Assert.Equal(HttpStatusCode.OK, await ThroughMesh());
        // the server reports its caller's identity and the connection's security, as Istio's destination reporter does
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{server.Host.AdminPort}/stats/prometheus");
        Assert.Matches("istio_requests_total\\{reporter=\"destination\",[^}]*source_principal=\"spiffe://cluster.local/ns/foo/sa/sleep\"[^}]*connection_security_policy=\"mutual_tls\"", metrics);
        Assert.Matches("istio_requests_total\\{reporter=\"destination\",[^}]*source_principal=\"unknown\"[^}]*connection_security_policy=\"none\"", metrics); // the plaintext call
        var stats = await http.GetStringAsync($"http://127.0.0.1:{server.Host.AdminPort}/stats");
        Assert.Matches(@"listener\.inbound_\d+_httpbin\.foo\.svc\.cluster\.local\.no_filter_chain_match: [1-9]", stats);

        // Authorization by the caller's certificate (istio.io authz-http): sleep's principal is allowed, then only
        // another one is, and sleep is denied
        mesh.Write("authz.yaml", """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: httpbin, namespace: foo}
            spec:
              selector: {matchLabels: {app: httpbin}}
              rules: [{from: [{source: {principals: ["cluster.local/ns/foo/sa/sleep"], namespaces: [foo]}}], to: [{operation: {methods: [GET]}}]}]
            """);
        await Eventually.Until(() => server.Host.State.Current!.Source.Security?.Authorization.Count == 1, mesh.Log);
        Assert.Equal(HttpStatusCode.OK, await ThroughMesh());
        mesh.Write("authz.yaml", """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: httpbin, namespace: foo}
            spec:
              selector: {matchLabels: {app: httpbin}}
              rules: [{from: [{source: {principals: ["cluster.local/ns/foo/sa/productpage"]}}]}]
            """);
        await Eventually.Until(async () => await ThroughMesh() == HttpStatusCode.Forbidden, mesh.Log);

        // connection.sni is the SNI the caller sent: Istio's outbound_.PORT_.SUBSET_.HOST for a mesh caller
        mesh.Write("authz.yaml", $$$"""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: httpbin, namespace: foo}
            spec:
              selector: {matchLabels: {app: httpbin}}
              rules: [{when: [{key: connection.sni, values: ["outbound_.{{{port}}}_._.httpbin.foo.svc.cluster.local"]}]}]
            """);
        await Eventually.Until(async () => await ThroughMesh() == HttpStatusCode.OK, mesh.Log);
        mesh.Write("authz.yaml", """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: httpbin, namespace: foo}
            spec:
              selector: {matchLabels: {app: httpbin}}
              rules: [{when: [{key: connection.sni, values: ["*.other.svc.cluster.local"]}]}]
            """);
        await Eventually.Until(async () => await ThroughMesh() == HttpStatusCode.Forbidden, mesh.Log);
    }

    /// <summary>
    /// Certificates of 4 s, renewed every 2 s on both sides, while requests flow, each on a new upstream connection
    /// (maxRequestsPerConnection: 1, so every request is a fresh mutual TLS handshake): not one request is lost.
    /// </summary>
    [Fact]
    public async Task Rotating_certificates_under_load_loses_no_request()
    {
        const string pool = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: httpbin, namespace: foo}
            spec:
              host: httpbin.foo.svc.cluster.local
              trafficPolicy: {connectionPool: {http: {maxRequestsPerConnection: 1}}}
            """;
        await using var mesh = await PushedMesh.StartAsync(
            new Dictionary<string, string> { ["mesh.yaml"] = MeshYaml(), ["pool.yaml"] = pool },
            MeshCertificateAuthority.SelfSigned(lifetime: TimeSpan.FromSeconds(4)));
        var server = await mesh.SidecarAsync("httpbin", "foo");
        var client = await mesh.SidecarAsync("sleep", "foo");
        await Eventually.Until(() => server.Ready && client.Ready, mesh.Log);
        var serials = new HashSet<string>();
        var (ok, failed) = (0, new List<HttpStatusCode>());
        var until = DateTime.UtcNow.AddSeconds(7);
        while (DateTime.UtcNow < until)
        {
            var status = await ThroughMesh();
            if (status == HttpStatusCode.OK)
            {
                ok++;
            }
            else
            {
                failed.Add(status);
            }

            serials.Add(client.Host.Certificates.Current!.Certificate.SerialNumber + "/" + server.Host.Certificates.Current!.Certificate.SerialNumber);
        }

        output.WriteLine($"{ok} requests, each a new mutual TLS handshake, across {serials.Count} certificate pairs in 7 s; {failed.Count} failed");
        Assert.True(failed.Count == 0, $"{failed.Count} of {ok + failed.Count} failed: {string.Join(", ", failed.Distinct())}\n{mesh.Log()}");
        Assert.True(serials.Count >= 3, $"only {serials.Count} certificate pairs in 7 s"); // renewed at least twice
        Assert.True(ok > 50, $"only {ok} requests");
    }

    private async Task<HttpStatusCode> ThroughMesh()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.83.11:{port}/headers");
        request.Headers.Host = "httpbin.foo.svc.cluster.local";
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>A plaintext client on a new connection each time (a connection accepted before STRICT may live on, as in Envoy).</summary>
    private async Task<HttpStatusCode> Plaintext()
    {
        using var fresh = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var response = await fresh.GetAsync($"http://127.0.82.12:{port}/headers");
        return response.StatusCode;
    }

    private async Task HandshakeWithoutClientCertificate()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Parse("127.0.82.12"), (int)port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "httpbin", RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null });
        await tls.WriteAsync("GET /headers HTTP/1.1\r\nHost: httpbin\r\n\r\n"u8.ToArray());
        var buffer = new byte[64];
        if (await tls.ReadAsync(buffer) == 0)
        {
            throw new IOException("closed"); // TLS 1.3: the server's refusal arrives after the client's handshake ends
        }
    }
}
