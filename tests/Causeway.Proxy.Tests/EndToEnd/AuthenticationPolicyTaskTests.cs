using System.Net;
using System.Text.Json;
using Causeway.Protocol.V1;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// istio.io's "Authentication Policy" task (tasks/security/authentication/authn-policy) replayed with real sidecars:
/// namespaces foo and bar run httpbin with sidecars, sleep.foo calls through its sidecar, and "legacy" workloads have
/// none (httpbin.legacy is a plain server, sleep.legacy a plain client dialling pod addresses). Expected results are
/// the task's: auto mTLS carries X-Forwarded-Client-Cert By=…/sa/httpbin;Hash=…;Subject="";URI=…/sa/sleep to
/// injected servers and nothing to legacy ones; mesh-wide STRICT refuses only legacy→injected; namespace STRICT on foo
/// refuses only legacy→foo; a workload policy STRICT with portLevelMtls DISABLE on its port accepts plaintext again,
/// and the mesh caller then speaks plaintext too (auto mTLS reads the server's policy).
/// </summary>
public sealed class AuthenticationPolicyTaskTests : IAsyncLifetime
{
    private const string FooAddress = "127.0.86.1";
    private const string BarAddress = "127.0.86.2";
    private const string SleepOutbound = "127.0.87.11";
    private readonly uint port = (uint)FreePort.Next();
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero });
    private Backend foo = null!, bar = null!, legacy = null!;

    public async Task InitializeAsync() =>
        (foo, bar, legacy) = (await Backend.StartAsync("httpbin.foo"), await Backend.StartAsync("httpbin.bar"), await Backend.StartAsync("httpbin.legacy"));

    public async Task DisposeAsync()
    {
        http.Dispose();
        await foo.DisposeAsync();
        await bar.DisposeAsync();
        await legacy.DisposeAsync();
    }

    [Fact]
    public async Task The_authentication_policy_task_gives_istios_results_step_by_step()
    {
        await using var mesh = await PushedMesh.StartAsync(new Dictionary<string, string> { ["mesh.yaml"] = MeshYaml() });
        var sleep = await mesh.SidecarAsync("sleep", "foo");
        var httpbinFoo = await mesh.SidecarAsync("httpbin", "foo");
        var httpbinBar = await mesh.SidecarAsync("httpbin", "bar");
        await Eventually.Until(() => sleep.Ready && httpbinFoo.Ready && httpbinBar.Ready, mesh.Log);

        // Auto mutual TLS: the injected server sees the client's identity in XFCC, the legacy server sees no XFCC
        var headers = await FromSleep("httpbin.foo");
        var xfcc = headers.GetProperty("x-forwarded-client-cert").GetString()!;
        Assert.Matches("^By=spiffe://cluster.local/ns/foo/sa/httpbin;Hash=[0-9a-f]{64};Subject=\"\";URI=spiffe://cluster.local/ns/foo/sa/sleep$", xfcc);
        Assert.False((await FromSleep("httpbin.legacy")).TryGetProperty("x-forwarded-client-cert", out _));
        // an application cannot forge the header: the outbound side drops it (Envoy's SANITIZE)
        Assert.DoesNotContain("forged", (await FromSleep("httpbin.bar", forged: "By=spiffe://forged")).GetProperty("x-forwarded-client-cert").GetString(), StringComparison.Ordinal);

        // Before any policy everything answers 200, legacy callers included (PERMISSIVE)
        await AssertMatrix(legacyToFoo: true, legacyToBar: true);

        // Globally enable Istio mutual TLS in STRICT mode: sleep.legacy -> httpbin.foo/bar fails ("000, exit code 56")
        mesh.Write("peer-mesh.yaml", Peer("istio-system", "default", "mtls: {mode: STRICT}"));
        await Eventually.Until(() => Strict(httpbinFoo) && Strict(httpbinBar), mesh.Log);
        await AssertMatrix(legacyToFoo: false, legacyToBar: false);

        // Namespace-wide policy: remove the mesh one, STRICT for foo only
        mesh.Delete("peer-mesh.yaml");
        mesh.Write("peer-foo.yaml", Peer("foo", "default", "mtls: {mode: STRICT}"));
        await Eventually.Until(() => Strict(httpbinFoo) && !Strict(httpbinBar), mesh.Log);
        await AssertMatrix(legacyToFoo: false, legacyToBar: true);

        // Workload policy for httpbin.bar: STRICT...
        mesh.Write("peer-bar.yaml", Peer("bar", "httpbin", "selector: {matchLabels: {app: httpbin}}\n  mtls: {mode: STRICT}"));
        await Eventually.Until(() => Strict(httpbinBar), mesh.Log);
        await AssertMatrix(legacyToFoo: false, legacyToBar: false);

        // ...with portLevelMtls DISABLE on its port: plaintext is accepted there again, and sleep's sidecar (auto mTLS)
        // now sends plaintext to it, so no XFCC arrives
        mesh.Write("peer-bar.yaml", Peer("bar", "httpbin", $"selector: {{matchLabels: {{app: httpbin}}}}\n  mtls: {{mode: STRICT}}\n  portLevelMtls: {{{port}: {{mode: DISABLE}}}}"));
        await Eventually.Until(() => !Strict(httpbinBar) && sleep.Host.State.Current!.Source.Clusters.Single(c => c.Service == "httpbin.bar.svc.cluster.local").Tls is null, mesh.Log);
        await AssertMatrix(legacyToFoo: false, legacyToBar: true);
        Assert.False((await FromSleep("httpbin.bar")).TryGetProperty("x-forwarded-client-cert", out _));
    }

    /// <summary>The task's matrix: sleep.foo reaches every httpbin; sleep.legacy reaches legacy always and foo/bar as given.</summary>
    private async Task AssertMatrix(bool legacyToFoo, bool legacyToBar)
    {
        foreach (var ns in new[] { "foo", "bar", "legacy" })
        {
            await FromSleep($"httpbin.{ns}"); // throws unless 200
        }

        Assert.Equal(HttpStatusCode.OK, await FromLegacy($"http://127.0.0.1:{legacy.Http1Port}"));
        Assert.Equal(legacyToFoo, await FromLegacy($"http://{FooAddress}:{port}") == HttpStatusCode.OK);
        Assert.Equal(legacyToBar, await FromLegacy($"http://{BarAddress}:{port}") == HttpStatusCode.OK);
    }

    /// <summary>sleep.foo's request through its sidecar; the headers httpbin received.</summary>
    private async Task<JsonElement> FromSleep(string service, string? forged = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{SleepOutbound}:{port}/headers");
        request.Headers.Host = $"{service}.svc.cluster.local";
        if (forged is not null)
        {
            request.Headers.TryAddWithoutValidation("x-forwarded-client-cert", forged);
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"sleep.foo -> {service}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("headers").Clone();
    }

    /// <summary>sleep.legacy: no sidecar, plaintext straight to the address; a refused connection is the task's "000".</summary>
    private async Task<HttpStatusCode?> FromLegacy(string url)
    {
        try
        {
            using var response = await http.GetAsync(url + "/ip");
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static bool Strict(PushedProxy proxy) =>
        proxy.Host.State.Current!.Source.Listeners.Any(l => l.Direction == TrafficDirection.Inbound && l.MeshTls == MeshTlsMode.MeshTlsStrict);

    private static string Peer(string ns, string name, string spec) => $"""
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec:
          {spec}
        """;

    private string MeshYaml() => $$$"""
        {{{Httpbin("foo", FooAddress, foo, injected: true)}}}
        ---
        {{{Httpbin("bar", BarAddress, bar, injected: true)}}}
        ---
        {{{Httpbin("legacy", "127.0.0.1", legacy, injected: false)}}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: sleep, namespace: foo}
        spec: {address: 127.0.86.11, serviceAccount: sleep, labels: {app: sleep, security.istio.io/tlsMode: istio}}
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: sleep, namespace: foo}
        spec:
          workloadSelector: {labels: {app: sleep}}
          egress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, bind: {{{SleepOutbound}}}, captureMode: NONE, hosts: ["*/*"]}]
        """;

    /// <summary>
    /// httpbin in NS: a service on the shared port; an injected one's workload port (which portLevelMtls names) is
    /// that port too, where its sidecar's inbound listens on the workload address; a legacy one is the backend itself.
    /// </summary>
    private string Httpbin(string ns, string address, Backend backend, bool injected)
    {
        var service = $$$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: httpbin, namespace: {{{ns}}}}
            spec:
              hosts: [httpbin.{{{ns}}}.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: {{{port}}}, name: http, protocol: HTTP, targetPort: {{{(injected ? port : (uint)backend.Http1Port)}}}}]
              workloadSelector: {labels: {app: httpbin}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: httpbin, namespace: {{{ns}}}}
            spec: {address: {{{address}}}, serviceAccount: httpbin, labels: {app: httpbin{{{(injected ? ", security.istio.io/tlsMode: istio" : "")}}}}}
            """;
        return !injected ? service : service + $$$"""

            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: httpbin, namespace: {{{ns}}}}
            spec:
              workloadSelector: {labels: {app: httpbin}}
              ingress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:{{{backend.Http1Port}}}"}]
            """;
    }
}
