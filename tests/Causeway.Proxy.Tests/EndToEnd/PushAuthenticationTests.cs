using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Causeway.ControlPlane.Security;
using Causeway.Protocol.V1;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Who may have a gateway's private keys: proxies authenticate to the push port with a token from the control plane's
/// key, and Secrets (credentialName) go only to a gateway whose token is for the Secret's namespace, as istiod's SDS
/// serves a gateway only its own namespace's credentials and its plaintext xDS port serves none.
/// </summary>
public sealed class PushAuthenticationTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> IngressLabels = new() { ["istio"] = "ingressgateway" };
    private readonly TestCertificates ca = TestCertificates.NewCa();
    private Backend web = null!;
    private string meshYaml = "";

    public async Task InitializeAsync()
    {
        web = await Backend.StartAsync("web");
        var certificate = ca.Issue("secure.example.com", ["secure.example.com"]);
        meshYaml = MeshYaml.Service("web", "default", [(web, "v1")])
            + TestCertificates.Secret("secure-cert", "istio-system", certificate.CertificatePem, certificate.KeyPem) + """
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: 8443, name: https, protocol: HTTPS}
                hosts: [secure.example.com]
                tls: {mode: SIMPLE, credentialName: secure-cert}
              - port: {number: 8080, name: http, protocol: HTTP}
                hosts: ["*"]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: edge, namespace: default}
            spec:
              hosts: ["*"]
              gateways: [gw]
              http: [{route: [{destination: {host: web}}]}]
            """;
    }

    public async Task DisposeAsync() => await web.DisposeAsync();

    [Fact]
    public async Task A_gateway_with_a_token_for_its_namespace_gets_its_certificate_and_serves_tls()
    {
        await using var mesh = await StartMesh();
        var cp = mesh.ControlPlane;
        var gateway = await StartGateway(mesh, "istio-system");
        await Eventually.Until(() => gateway.Host.State.Current?.Listeners.Count == 2, mesh.Log);

        Assert.Equal("CN=secure.example.com", await HandshakeAsync(gateway.Port(8443)));
        var status = JsonDocument.Parse(await new HttpClient().GetStringAsync($"http://127.0.0.1:{cp.StatusPort}/status")).RootElement;
        Assert.Equal("gateway *.istio-system", status.GetProperty("proxies")[0].GetProperty("token").GetString());
    }

    [Fact]
    public async Task A_gateway_without_a_token_gets_its_routes_but_never_a_private_key()
    {
        await using var mesh = await StartMesh();
        var gateway = await StartGateway(mesh, "istio-system", token: null);
        await Eventually.Until(() => gateway.Host.State.Current is not null, mesh.Log);

        var snapshot = gateway.Host.State.Current!.Source;
        Assert.DoesNotContain("PRIVATE KEY", snapshot.ToString(), StringComparison.Ordinal);
        Assert.Single(snapshot.Listeners); // the plain HTTP server only
        Assert.Contains(snapshot.Notices, n => n.Contains("credentialName secure-cert: withheld", StringComparison.Ordinal) && n.Contains("--token-file", StringComparison.Ordinal));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{gateway.Port(8080)}/")).StatusCode);
        await Assert.ThrowsAnyAsync<SocketException>(() => HandshakeAsync(gateway.Port(8443))); // nothing listens there
    }

    [Fact]
    public async Task Tokens_that_are_forged_expired_or_for_another_namespace_or_role_are_refused_with_the_reason()
    {
        await using var mesh = await StartMesh();
        var cp = mesh.ControlPlane;
        var cases = new (string Token, string Namespace, string Reason)[]
        {
            (PushTokenAuthority.Ephemeral().Mint(new PushCredential(ProxyRole.Gateway, "istio-system", null), TimeSpan.FromHours(1)), "istio-system", "the token was not signed with this control plane's key"),
            (cp.Tokens.Mint(new PushCredential(ProxyRole.Gateway, "istio-system", null), TimeSpan.FromHours(1), DateTime.UtcNow.AddHours(-2)), "istio-system", "the token expired"),
            (cp.Tokens.Mint(new PushCredential(ProxyRole.Gateway, "team-a", null), TimeSpan.FromHours(1)), "istio-system", "the token is for gateway *.team-a, not gateway gateway.istio-system"),
            (cp.Tokens.Mint(new PushCredential(ProxyRole.Sidecar, "istio-system", "gateway"), TimeSpan.FromHours(1)), "istio-system", "the token is for sidecar gateway.istio-system"),
            ("not.a.jwt", "istio-system", "the token is malformed"),
            (new string('a', 10_000), "istio-system", "the token is 10000 characters long; at most 4096 are read"),
        };
        foreach (var (token, ns, reason) in cases)
        {
            mesh.ClearLog();
            await using var gateway = await StartGateway(mesh, ns, token);
            await Eventually.Until(() => mesh.Logged("refused: " + reason), mesh.Log);
            Assert.Null(gateway.Host.State.Current); // nothing was applied, so nothing leaked
        }

        var metrics = await new HttpClient().GetStringAsync($"http://127.0.0.1:{cp.StatusPort}/metrics");
        Assert.Matches(@"causeway_push_refused_total ([6-9]|\d\d+)", metrics);
    }

    [Fact]
    public async Task A_control_plane_that_requires_tokens_refuses_a_proxy_without_one()
    {
        await using var mesh = await StartMesh(requireToken: true);
        var gateway = await StartGateway(mesh, "istio-system", token: null);
        await Eventually.Until(() => mesh.Logged("refused: this control plane requires a token"), mesh.Log);
        Assert.Null(gateway.Host.State.Current);
        Assert.Empty(mesh.ControlPlane.Proxies);
    }

    private Task<PushedMesh> StartMesh(bool requireToken = false) =>
        PushedMesh.StartAsync(new Dictionary<string, string> { ["mesh.yaml"] = meshYaml }, requireToken: requireToken);

    /// <summary>The ingress gateway in NS, with a token for it unless one (or null: none) is given.</summary>
    private static Task<PushedProxy> StartGateway(PushedMesh mesh, string ns, string? token = "") =>
        mesh.GatewayAsync("gateway", ns, IngressLabels, new Dictionary<uint, int> { [8080] = FreePort.Next(), [8443] = FreePort.Next() }, token);

    /// <summary>The subject of the certificate the gateway serves for secure.example.com.</summary>
    private static async Task<string> HandshakeAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "secure.example.com",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
        });
        return X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData()).Subject;
    }
}
