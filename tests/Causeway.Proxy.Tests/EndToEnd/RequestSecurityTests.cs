using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Causeway.Proxy.Tests.Support;
using Causeway.Translation.Mesh;
using CsCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// AuthorizationPolicy and RequestAuthentication enforced by a real ingress gateway and a real sidecar's inbound
/// side, with real requests and connections: istio.io's "authorization for HTTP traffic", "authorization for TCP
/// traffic" and "authentication policy" (ingress JWT) tasks, replayed with locally made keys and tokens.
/// </summary>
public sealed class RequestSecurityTests : IAsyncLifetime
{
    private const string Issuer = "testing@secure.istio.io";
    private static readonly Dictionary<string, string> Ingress = new() { ["istio"] = "ingressgateway" };
    private readonly HttpClient client = new(new SocketsHttpHandler { UseProxy = false });
    private readonly RSA key = RSA.Create(2048);
    private readonly RSA otherKey = RSA.Create(2048);
    private Backend httpbin = null!;

    public async Task InitializeAsync() => httpbin = await Backend.StartAsync("httpbin");

    public async Task DisposeAsync()
    {
        client.Dispose();
        key.Dispose();
        otherKey.Dispose();
        await httpbin.DisposeAsync();
    }

    private string GatewayYaml(string policies) => MeshYaml.Service("httpbin", "foo", [(httpbin, "v1")]) + """
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: httpbin-gateway, namespace: foo}
        spec:
          selector: {istio: ingressgateway}
          servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: httpbin, namespace: foo}
        spec:
          hosts: ["*"]
          gateways: [httpbin-gateway]
          http: [{route: [{destination: {host: httpbin.foo.svc.cluster.local, port: {number: 9080}}}]}]
        ---

        """ + policies;

    private async Task<(HttpStatusCode Status, string Body)> Send(ProxyUnderTest gateway, string path, HttpMethod? method = null, string? token = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, gateway.Url(8080, path));
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Http_policies_follow_istios_order_deny_first_then_any_allow_and_an_empty_allow_denies_everything()
    {
        await using var gateway = await ProxyUnderTest.GatewayAsync(GatewayYaml(""), Ingress, 8080);
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/ip")).Status); // no policy: allowed

        // allow-nothing (spec: {}): every request gets Envoy's 403 body, and nothing reaches httpbin
        Assert.Null(await gateway.ReconfigureGatewayAsync(GatewayYaml(Policy("allow-nothing", "istio-system", "{}")), Ingress));
        var before = httpbin.Requests;
        var denied = await Send(gateway, "/ip");
        Assert.Equal((HttpStatusCode.Forbidden, "RBAC: access denied"), denied);
        Assert.Equal(before, httpbin.Requests);

        // ALLOW GET on /headers and /status/*, from loopback: anything else is denied
        var allowGet = Policy("allow-get", "istio-system", """
            selector: {matchLabels: {istio: ingressgateway}}
            action: ALLOW
            rules:
            - from: [{source: {ipBlocks: ["127.0.0.0/8"]}}]
              to: [{operation: {methods: ["GET"], paths: ["/headers", "/status/*"]}}]
            """);
        Assert.Null(await gateway.ReconfigureGatewayAsync(GatewayYaml(allowGet), Ingress));
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers")).Status);
        Assert.Equal(HttpStatusCode.Created, (await Send(gateway, "/status/201")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/headers", HttpMethod.Post)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/ip")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/headers?x=1", HttpMethod.Delete)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers?x=1")).Status); // the query is not part of the path

        // A matching DENY wins over a matching ALLOW; AUDIT and dry-run never decide.
        var withDeny = allowGet + "---\n" + Policy("deny-bad-token", "istio-system", """
            action: DENY
            rules: [{when: [{key: "request.headers[x-token]", values: ["bad*"]}]}]
            """) + "---\n" + Policy("audit-all", "istio-system", "action: AUDIT\nrules: [{}]") + "---\n" +
            Policy("dry-deny-all", "istio-system", "action: DENY\nrules: [{}]", dryRun: true);
        Assert.Null(await gateway.ReconfigureGatewayAsync(GatewayYaml(withDeny), Ingress));
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/headers", headers: ("x-token", "bad-one"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers", headers: ("x-token", "good"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers")).Status);

        // notValues, hosts and path templates: {*} is one segment, {**} any number
        var shapes = Policy("shapes", "istio-system", """
            rules:
            - to: [{operation: {hosts: ["httpbin.example.com"], paths: ["/api/{*}/items", "/files/{**}"], notMethods: ["DELETE"]}}]
              when: [{key: "request.headers[x-env]", notValues: ["prod"]}]
            """);
        Assert.Null(await gateway.ReconfigureGatewayAsync(GatewayYaml(shapes), Ingress));
        var host = ("Host", "httpbin.example.com:8080");
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/api/v1/items", headers: host)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/api/v1/x/items", headers: host)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/files/a/b/c.txt", headers: host)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/files/a", HttpMethod.Delete, headers: host)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/files/a", headers: [host, ("x-env", "prod")])).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/files/a", headers: ("Host", "other.example.com"))).Status);
    }

    [Fact]
    public async Task Peer_identities_need_mutual_tls_so_a_plaintext_caller_never_matches_principals_or_namespaces()
    {
        // Istio: principals and namespaces come from the peer's mTLS certificate; a plaintext request has neither.
        var yaml = GatewayYaml(Policy("from-sleep", "istio-system", """
            rules: [{from: [{source: {principals: ["cluster.local/ns/foo/sa/sleep"]}}, {source: {namespaces: ["foo"]}}]}]
            """) + "---\n" + Policy("deny-not-foo", "istio-system", """
            action: DENY
            rules: [{from: [{source: {notNamespaces: ["bar"]}}], to: [{operation: {paths: ["/admin"]}}]}]
            """));
        await using var gateway = await ProxyUnderTest.GatewayAsync(yaml, Ingress, 8080);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/ip")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/admin")).Status); // no namespace is "not bar"
    }

    [Fact]
    public async Task Ingress_jwt_replays_the_authentication_policy_task()
    {
        var authn = RequestAuthentication(outputPayload: true);
        await using var gateway = await ProxyUnderTest.GatewayAsync(GatewayYaml(authn), Ingress, 8080);
        var valid = Token(key);

        // No token: accepted, with no identity. A malformed token: 401, with Envoy's WWW-Authenticate.
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers")).Status);
        using (var bad = new HttpRequestMessage(HttpMethod.Get, gateway.Url(8080, "/headers")))
        {
            bad.Headers.TryAddWithoutValidation("Authorization", "Bearer deadbeef");
            using var response = await client.SendAsync(bad);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        // A valid token passes; the application sees its payload (outputPayloadToHeader) and not the token itself
        // (forwardOriginalToken defaults to false).
        var ok = await Send(gateway, "/headers", token: valid);
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        var seen = JsonDocument.Parse(ok.Body).RootElement.GetProperty("headers");
        Assert.False(seen.TryGetProperty("authorization", out _), ok.Body);
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(seen.GetProperty("x-jwt-payload").GetString()!)).RootElement;
        Assert.Equal("testing@secure.istio.io", payload.GetProperty("sub").GetString());
        Assert.Equal("group1", seen.GetProperty("x-jwt-group").GetString()); // outputClaimToHeaders

        // The access_token query parameter is the other default location.
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers?access_token=" + valid)).Status);

        // Refused with Envoy's reasons: expired, another issuer, another key, unsigned (alg none), wrong audience.
        Assert.Equal((HttpStatusCode.Unauthorized, "Jwt is expired"), await Send(gateway, "/headers", token: Token(key, expires: DateTime.UtcNow.AddMinutes(-5))));
        Assert.Equal((HttpStatusCode.Unauthorized, "Jwt issuer is not configured"), await Send(gateway, "/headers", token: Token(key, issuer: "someone@else")));
        Assert.Equal((HttpStatusCode.Unauthorized, "Jwt verification fails"), await Send(gateway, "/headers", token: Token(otherKey)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(gateway, "/headers", token: Unsigned())).Status);
        Assert.Equal((HttpStatusCode.Unauthorized, "Audiences in Jwt are not allowed"), await Send(gateway, "/headers", token: Token(key, audience: "other")));

        // A huge token never reaches the check nor httpbin: the request's headers are over the limit (431), and the
        // gateway keeps serving. Kestrel answers 431 and closes as soon as the limit is passed, so a client still
        // writing its 1 MB may see the connection reset before it reads the answer; either way nothing got through.
        var before = httpbin.Requests;
        try
        {
            var huge = await Send(gateway, "/headers", token: new string('a', 1024 * 1024));
            Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, huge.Status);
        }
        catch (HttpRequestException ex) when (ex.InnerException is IOException)
        {
        }

        Assert.Equal(before, httpbin.Requests);
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers", token: valid)).Status);

        // Requiring a token: DENY notRequestPrincipals ["*"] (the task's policy), here only on /headers.
        var require = authn + "---\n" + Policy("require-jwt", "istio-system", """
            selector: {matchLabels: {istio: ingressgateway}}
            action: DENY
            rules: [{from: [{source: {notRequestPrincipals: ["*"]}}], to: [{operation: {paths: ["/headers"]}}]}]
            """);
        Assert.Null(await gateway.ReconfigureGatewayAsync(GatewayYaml(require), Ingress));
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/headers")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/ip")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers", token: valid)).Status);

        // ALLOW by request principal and a claim (istio.io authz-jwt): groups contains group1.
        var byClaim = authn + "---\n" + Policy("by-claim", "istio-system", """
            rules:
            - from: [{source: {requestPrincipals: ["testing@secure.istio.io/testing@secure.istio.io"]}}]
              when: [{key: "request.auth.claims[groups]", values: ["group1"]}, {key: "request.auth.audiences", values: ["httpbin"]}]
            """);
        Assert.Null(await gateway.ReconfigureGatewayAsync(GatewayYaml(byClaim), Ingress));
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/ip", token: valid)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/ip", token: Token(key, groups: ["group2"]))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/ip")).Status);
    }

    /// <summary>
    /// remoteIpBlocks at a gateway behind other proxies (istio.io "Configuring Gateway Network Topology" and the
    /// ingress "IP-based allow list" task): with MeshConfig defaultConfig.gatewayTopology.numTrustedProxies N, the
    /// client is the Nth X-Forwarded-For address from the right; with the default 0 a client-written XFF is ignored.
    /// </summary>
    [Fact]
    public async Task Remote_ip_blocks_read_x_forwarded_for_only_as_far_as_the_trusted_proxies_go()
    {
        var allowList = Policy("ingress-policy", "istio-system", """
            selector: {matchLabels: {istio: ingressgateway}}
            rules: [{from: [{source: {remoteIpBlocks: ["72.9.5.6"]}}]}]
            """);
        var settings = MeshSettings.Parse("defaultConfig: {gatewayTopology: {numTrustedProxies: 2}}");
        Assert.Equal(2u, settings.NumTrustedProxies);
        await using (var gateway = await ProxyUnderTest.GatewayAsync(GatewayYaml(allowList), settings, Ingress, 8080))
        {
            Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/ip", headers: ("X-Forwarded-For", "56.5.6.7, 72.9.5.6, 98.1.2.3"))).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/ip", headers: ("X-Forwarded-For", "72.9.5.6, 98.1.2.3, 1.1.1.1"))).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/ip", headers: ("X-Forwarded-For", "72.9.5.6"))).Status); // fewer hops than trusted: the peer
            Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/ip")).Status);
        }

        await using (var gateway = await ProxyUnderTest.GatewayAsync(GatewayYaml(allowList), Ingress, 8080))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await Send(gateway, "/ip", headers: ("X-Forwarded-For", "56.5.6.7, 72.9.5.6"))).Status);
        }

        Assert.Throws<FormatException>(() => MeshSettings.Parse("defaultConfig: {gatewayTopology: {numTrustedProxies: -1}}"));
    }

    /// <summary>
    /// fromHeaders, fromParams and fromCookies replace the default locations (Envoy's jwt_authn): a token is looked
    /// for only there, so a bad bearer token is then not read at all; a token from a cookie is checked like any other.
    /// </summary>
    [Fact]
    public async Task Tokens_are_read_only_from_the_configured_headers_params_and_cookies()
    {
        var authn = RequestAuthentication(outputPayload: true, """
            fromHeaders: [{name: x-jwt, prefix: "Token "}]
                fromParams: [jwt]
                fromCookies: [session]
            """);
        await using var gateway = await ProxyUnderTest.GatewayAsync(GatewayYaml(authn), Ingress, 8080);
        var valid = Token(key);

        var fromCookie = await Send(gateway, "/headers", headers: ("Cookie", $"theme=dark; session={valid}"));
        Assert.Equal(HttpStatusCode.OK, fromCookie.Status);
        Assert.True(JsonDocument.Parse(fromCookie.Body).RootElement.GetProperty("headers").TryGetProperty("x-jwt-payload", out _), fromCookie.Body);
        Assert.Equal((HttpStatusCode.Unauthorized, "Jwt is expired"), await Send(gateway, "/headers", headers: ("Cookie", "session=" + Token(key, expires: DateTime.UtcNow.AddMinutes(-5)))));
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers", headers: ("x-jwt", "Token " + valid))).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers?jwt=" + valid)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(gateway, "/headers?jwt=deadbeef")).Status);
        var ignored = await Send(gateway, "/headers", token: "deadbeef"); // Authorization is not a configured location
        Assert.Equal(HttpStatusCode.OK, ignored.Status);
        Assert.False(JsonDocument.Parse(ignored.Body).RootElement.GetProperty("headers").TryGetProperty("x-jwt-payload", out _), ignored.Body);
    }

    /// <summary>
    /// Malicious tokens: the RS256 key used as an HS256 secret (algorithm confusion), "alg: none", a forged "kid",
    /// broken base64, deep or huge JSON, and random segment soup. Each is refused with 401 (or the request never fits,
    /// 431), never accepted and never a 500; the gateway serves a valid token afterwards.
    /// </summary>
    [Fact]
    public async Task Malicious_and_random_tokens_are_refused_and_never_break_the_gateway()
    {
        var require = RequestAuthentication(outputPayload: false) + "---\n" + Policy("require-jwt", "istio-system",
            "action: DENY\nrules: [{from: [{source: {notRequestPrincipals: [\"*\"]}}]}]");
        await using var gateway = await ProxyUnderTest.GatewayAsync(GatewayYaml(require), Ingress, 8080);
        var publicKey = key.ExportSubjectPublicKeyInfoPem();
        var confused = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = "httpbin",
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.ASCII.GetBytes(publicKey)) { KeyId = "k1" }, SecurityAlgorithms.HmacSha256),
        });
        string[] crafted =
        [
            confused, Unsigned(), Token(key).Replace(".", "..", StringComparison.Ordinal), Token(key)[..^10], Token(key) + "A",
            Base64UrlEncoder.Encode("""{"alg":"RS256","kid":"../../etc/passwd"}""") + "." + Base64UrlEncoder.Encode($$"""{"iss":"{{Issuer}}"}""") + ".c2ln",
            Base64UrlEncoder.Encode("{" + string.Concat(Enumerable.Repeat("\"a\":{", 2000)) + "}") + ".e30.c2ln",
            "e30.e30.", "....", "a.b.c.d.e", "%%%.%%%.%%%",
        ];
        foreach (var token in crafted)
        {
            var (status, body) = await Send(gateway, "/headers", token: token);
            Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.RequestHeaderFieldsTooLarge, $"{(int)status} {body} for {token[..Math.Min(80, token.Length)]}");
        }

        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
        await Gen.String[Gen.Char[alphabet], 1, 3000].SampleAsync(async token =>
        {
            var (status, body) = await Send(gateway, "/headers", token: token.Trim().Length == 0 ? "x" : token.Trim());
            // an empty-looking token is no token: the DENY policy answers 403; anything else is refused by jwt_authn
            Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.RequestHeaderFieldsTooLarge, $"{(int)status} {body}");
        }, iter: 300, threads: 8);
        Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers", token: Token(key))).Status);
    }

    [Fact]
    public async Task A_jwks_uri_is_fetched_by_the_control_plane_and_its_keys_reach_the_proxy_inline()
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.ExportParameters(false)) { KeyId = "k1" });
        var fetches = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var jwksPort = FreePort.Next();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, jwksPort));
        await using var keys = builder.Build();
        keys.Run(async ctx =>
        {
            Interlocked.Increment(ref fetches);
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", kid = "k1", n = jwk.N, e = jwk.E } } }));
        });
        await keys.StartAsync();

        var dir = Directory.CreateTempSubdirectory("causeway-jwks-");
        try
        {
            var unreachable = FreePort.Next();
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "mesh.yaml"), GatewayYaml($$$"""
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: jwt-example, namespace: istio-system}
                spec:
                  selector: {matchLabels: {istio: ingressgateway}}
                  jwtRules:
                  - {issuer: "{{{Issuer}}}", jwksUri: "http://127.0.0.1:{{{jwksPort}}}/jwks.json"}
                  - {issuer: "down@example.com", jwksUri: "http://127.0.0.1:{{{unreachable}}}/jwks.json"}

                """));
            await using var source = new Causeway.ControlPlane.Config.DirectoryConfigSource(dir.FullName, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500));
            var mesh = source.Current.Mesh;
            Assert.Null(mesh.Jwks[$"http://127.0.0.1:{jwksPort}/jwks.json"].Error);
            Assert.NotNull(mesh.Jwks[$"http://127.0.0.1:{unreachable}/jwks.json"].Error);
            Assert.Equal(1, fetches);

            var snapshot = Causeway.Translation.ProxySnapshotBuilder.Build(mesh, Causeway.Translation.ProxyRequest.Gateway("ingress", "istio-system", Ingress));
            Assert.Contains(snapshot.Security.JwtRules, r => r.Issuer == Issuer && r.Jwks.Contains("\"keys\"", StringComparison.Ordinal));
            Assert.Contains(snapshot.Notices, n => n.Contains("down@example.com", StringComparison.Ordinal) && n.Contains("could not be fetched", StringComparison.Ordinal));

            await using var gateway = await ProxyUnderTest.GatewayAsync(GatewayYaml(""), Ingress, 8080);
            Assert.Null(await gateway.Host.ApplyAsync(snapshot));
            Assert.Equal(HttpStatusCode.OK, (await Send(gateway, "/headers", token: Token(key))).Status);
            Assert.Equal((HttpStatusCode.Unauthorized, "Jwt verification fails"), await Send(gateway, "/headers", token: Token(otherKey)));
            // the issuer whose keys could not be fetched: its tokens are refused, as Istio does
            Assert.Equal((HttpStatusCode.Unauthorized, "Jwt verification fails"), await Send(gateway, "/headers", token: Token(key, issuer: "down@example.com")));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task Tcp_policies_close_denied_connections_and_rules_with_http_only_fields_read_as_istio_says()
    {
        uint port = (uint)FreePort.Next();
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                TcpClient c;
                try
                {
                    c = await echo.AcceptTcpClientAsync();
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    using (c)
                    {
                        var s = c.GetStream();
                        var buf = new byte[1024];
                        int n;
                        while ((n = await s.ReadAsync(buf)) > 0)
                        {
                            await s.WriteAsync(Encoding.ASCII.GetBytes("hello " + Encoding.ASCII.GetString(buf, 0, n)));
                        }
                    }
                });
            }
        });
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        string Yaml(string policies) => $$$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: tcp-echo, namespace: foo}
            spec:
              hosts: [tcp-echo.foo.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: {{{port}}}, name: tcp, protocol: TCP}]
              workloadSelector: {labels: {app: tcp-echo}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: tcp-echo, namespace: foo}
            spec: {address: 127.0.79.12, labels: {app: tcp-echo}}
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: tcp-echo, namespace: foo}
            spec:
              workloadSelector: {labels: {app: tcp-echo}}
              ingress: [{port: {number: {{{port}}}, protocol: TCP, name: tcp}, defaultEndpoint: "127.0.0.1:{{{echoPort}}}"}]
              egress: [{port: {number: {{{port}}}, protocol: TCP, name: tcp}, bind: 127.0.80.12, captureMode: NONE, hosts: ["./*"]}]
            ---

            """ + policies;

        // istio.io authz-tcp: ALLOW on the port lets connections through
        var allowPort = Policy("tcp-policy", "foo", $"selector: {{matchLabels: {{app: tcp-echo}}}}\naction: ALLOW\nrules: [{{to: [{{operation: {{ports: [\"{port}\"]}}}}]}}]");
        await using var sidecar = await ProxyUnderTest.SidecarAsync(Yaml(allowPort), "tcp-echo", "foo");
        Assert.Equal("hello port " + port, await Echo(port, "port " + port));

        // ...an ALLOW rule with an HTTP-only field (methods) never matches TCP: nothing is allowed, connections close
        var allowGet = Policy("tcp-policy", "foo", $"selector: {{matchLabels: {{app: tcp-echo}}}}\naction: ALLOW\nrules: [{{to: [{{operation: {{methods: [\"GET\"], ports: [\"{port}\"]}}}}]}}]");
        Assert.Null(await sidecar.ReconfigureAsync(Yaml(allowGet), "tcp-echo", "foo"));
        Assert.Null(await Echo(port, "port " + port));

        // ...a DENY rule with an HTTP-only field treats it as matched: it denies every connection on the port
        var denyGet = allowPort + "---\n" + Policy("tcp-deny", "foo", $"selector: {{matchLabels: {{app: tcp-echo}}}}\naction: DENY\nrules: [{{to: [{{operation: {{methods: [\"GET\"]}}}}]}}]");
        Assert.Null(await sidecar.ReconfigureAsync(Yaml(denyGet), "tcp-echo", "foo"));
        Assert.Null(await Echo(port, "port " + port));

        // and without policies the port is open again
        Assert.Null(await sidecar.ReconfigureAsync(Yaml(""), "tcp-echo", "foo"));
        Assert.Equal("hello again", await Echo(port, "again"));
        echo.Stop();
    }

    /// <summary>The echo's answer through the sidecar's inbound port, or null when the connection was closed without one.</summary>
    private static async Task<string?> Echo(uint port, string message)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Parse("127.0.79.12"), (int)port);
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(message));
            var reply = new byte[6 + message.Length];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await stream.ReadExactlyAsync(reply, timeout.Token);
            return Encoding.ASCII.GetString(reply);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException)
        {
            return null;
        }
    }

    private static string Policy(string name, string ns, string spec, bool dryRun = false) => $"""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: {name}
          namespace: {ns}
        {(dryRun ? "  annotations: {\"istio.io/dry-run\": \"true\"}\n" : "")}spec:
        {string.Join("\n", spec.Split('\n').Select(l => "  " + l))}

        """;

    private string RequestAuthentication(bool outputPayload, string locations = "")
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.ExportParameters(false)) { KeyId = "k1" });
        var jwks = JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", kid = "k1", alg = "RS256", use = "sig", n = jwk.N, e = jwk.E } } });
        return $$$"""
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: {name: jwt-example, namespace: istio-system}
            spec:
              selector: {matchLabels: {istio: ingressgateway}}
              jwtRules:
              - issuer: "{{{Issuer}}}"
                audiences: [httpbin]
                jwks: '{{{jwks}}}'
                {{{(outputPayload ? "outputPayloadToHeader: x-jwt-payload" : "")}}}
                outputClaimToHeaders: [{header: x-jwt-group, claim: groups}]
                {{{locations}}}

            """;
    }

    private static string Token(RSA signer, string issuer = Issuer, DateTime? expires = null, string audience = "httpbin", string[]? groups = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", Issuer)]),
            Claims = new Dictionary<string, object> { ["groups"] = groups ?? ["group1"] },
            NotBefore = (expires ?? now.AddHours(1)) < now ? now.AddHours(-2) : now.AddMinutes(-1),
            IssuedAt = (expires ?? now.AddHours(1)) < now ? now.AddHours(-2) : now.AddMinutes(-1),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signer) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>"alg": "none" with a valid-looking payload: must never be accepted.</summary>
    private static string Unsigned()
    {
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var body = Base64UrlEncoder.Encode($$"""{"iss":"{{Issuer}}","sub":"{{Issuer}}","aud":"httpbin","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}""");
        return $"{header}.{body}.";
    }
}
