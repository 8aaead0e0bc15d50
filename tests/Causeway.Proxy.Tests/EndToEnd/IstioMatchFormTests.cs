using System.Net;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Match forms Istio accepts that a stricter reading of its API would refuse, with real traffic (issue 14, point 4):
/// pseudo-header names in header matches (pkg/config/validation ValidateHTTPHeaderNameOrJwtClaimRoute allows
/// :method, :scheme, :authority, :path, :status), <c>regex: "*"</c> as "present with any value" in headers and
/// withoutHeaders (skipped by Istio's regex validation, translated to a present_match), and a Host that is the
/// service's absolute name with a trailing dot.
/// </summary>
public sealed class IstioMatchFormTests : IAsyncLifetime
{
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false });
    private Backend v1 = null!;
    private Backend v2 = null!;
    private Backend v3 = null!;

    public async Task InitializeAsync()
    {
        v1 = await Backend.StartAsync("v1");
        v2 = await Backend.StartAsync("v2");
        v3 = await Backend.StartAsync("v3");
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await v1.DisposeAsync();
        await v2.DisposeAsync();
        await v3.DisposeAsync();
    }

    private string Mesh(string http) => MeshYaml.Service("web", "default", [(v1, "v1"), (v2, "v2"), (v3, "v3")]) + MeshYaml.Client() + "---\n"
        + MeshYaml.Subsets("web", "default", "v1", "v2", "v3") + $$"""
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web, namespace: default}
        spec:
          hosts: [web]
          http:
        {{http}}
        """;

    [Fact]
    public async Task Pseudo_header_matches_route_by_method_path_with_query_authority_and_scheme()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh("""
              - match: [{headers: {":method": {exact: POST}}}]
                route: [{destination: {host: web, subset: v2}}]
              - match: [{headers: {":path": {regex: "/search\\?q=.*"}}}]
                route: [{destination: {host: web, subset: v3}}]
              - match: [{headers: {":authority": {prefix: "web.default"}, ":scheme": {exact: http}}}]
                route: [{destination: {host: web, subset: v3}}]
              - match: [{headers: {":status": {exact: "200"}}}]
                route: [{destination: {host: web, subset: v2}}]
              - route: [{destination: {host: web, subset: v1}}]
            """), "client", "default", 9080);

        Assert.Equal("v2", await BackendOf(proxy, HttpMethod.Post, "/anything", "web"));
        Assert.Equal("v3", await BackendOf(proxy, HttpMethod.Get, "/search?q=istio", "web")); // :path carries the query
        Assert.Equal("v1", await BackendOf(proxy, HttpMethod.Get, "/search", "web"));
        Assert.Equal("v3", await BackendOf(proxy, HttpMethod.Get, "/", "web.default.svc.cluster.local"));
        Assert.Equal("v1", await BackendOf(proxy, HttpMethod.Get, "/", "web")); // a request never has :status
    }

    [Fact]
    public async Task Regex_star_is_a_presence_match_in_headers_and_without_headers()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh("""
              - match: [{headers: {x-canary: {regex: "*"}}}]
                route: [{destination: {host: web, subset: v2}}]
              - match: [{withoutHeaders: {x-user: {regex: "*"}}}]
                route: [{destination: {host: web, subset: v3}}]
              - route: [{destination: {host: web, subset: v1}}]
            """), "client", "default", 9080);

        Assert.Equal("v2", await BackendOf(proxy, HttpMethod.Get, "/", "web", ("x-canary", "")));
        Assert.Equal("v2", await BackendOf(proxy, HttpMethod.Get, "/", "web", ("x-canary", "anything at all")));
        Assert.Equal("v3", await BackendOf(proxy, HttpMethod.Get, "/", "web")); // no x-user
        Assert.Equal("v1", await BackendOf(proxy, HttpMethod.Get, "/", "web", ("x-user", "jason")));
    }

    [Fact]
    public async Task A_host_with_a_trailing_dot_reaches_the_service_as_its_absolute_name()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh("""
              - route: [{destination: {host: web, subset: v2}}]
            """), "client", "default", 9080);

        Assert.Equal("v2", await BackendOf(proxy, HttpMethod.Get, "/", "web.default.svc.cluster.local."));
        Assert.Equal("v2", await BackendOf(proxy, HttpMethod.Get, "/", "web.default.svc.cluster.local.:9080"));
        Assert.Equal("404", await BackendOf(proxy, HttpMethod.Get, "/", "web.")); // only the absolute FQDN, as in Istio
    }

    private async Task<string> BackendOf(ProxyUnderTest proxy, HttpMethod method, string pathAndQuery, string host, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, proxy.Url(9080, pathAndQuery));
        request.Headers.Host = host;
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("x");
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.OK && response.Headers.TryGetValues("x-backend", out var b)
            ? b.First()
            : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
