using Causeway.Protocol.V1;
using Causeway.Proxy.Routing;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Tests.Routing;

/// <summary>What a route compiles once per snapshot: its rewrite, header operations, CORS origins and destinations.</summary>
public sealed class CompiledRouteTests
{
    [Theory]
    // Istio's HTTPRewrite.uri after a prefix match replaces the matched prefix only.
    [InlineData("/v1/", "/api/", "/api/users", "/v1/users")]
    [InlineData("/v1/", "/api/", "/other", "/v1/")]
    // Without a prefix match the whole path is replaced.
    [InlineData("/health", "", "/anything/here", "/health")]
    public void Uri_rewrite_replaces_the_matched_prefix_or_the_whole_path(string uri, string matchedPrefix, string path, string rewritten)
    {
        var rewrite = PathRewrite.Compile(new RouteAction { RewriteUri = uri, RewriteMatchedPrefix = matchedPrefix })!;
        Assert.Equal(rewritten, rewrite.Apply(path));
    }

    [Theory]
    // Istio's uriRegexRewrite takes RE2 substitutions: \1 is the first group; a $ is literal.
    [InlineData("^/service/([^/]+)(/.*)$", "\\2/instance/\\1", "/service/foo/v1/api", "/v1/api/instance/foo")]
    [InlineData("^/price$", "/cost$", "/price", "/cost$")]
    [InlineData("/b", "/c", "/a/b/a/b", "/a/c/a/c")] // every match is replaced, as RE2's GlobalReplace
    public void Regex_rewrite_uses_re2_substitutions(string pattern, string substitution, string path, string rewritten)
    {
        var rewrite = PathRewrite.Compile(new RouteAction { RegexRewrite = new RegexRewrite { Pattern = pattern, Substitution = substitution } })!;
        Assert.Equal(rewritten, rewrite.Apply(path));
    }

    [Fact]
    public void No_rewrite_compiles_to_nothing() => Assert.Null(PathRewrite.Compile(new RouteAction()));

    [Fact]
    public void Header_operations_remove_then_set_then_append_with_commas()
    {
        var ops = new HeaderOperations { Remove = { "x-drop" } };
        ops.Set["x-set"] = "new";
        ops.Add["x-add"] = "two";
        var edits = HeaderEdits.Compile(ops)!;
        var headers = new HeaderDictionary { ["x-drop"] = "gone", ["x-set"] = "old", ["x-add"] = "one" };

        edits.Apply(headers);

        Assert.False(headers.ContainsKey("x-drop"));
        Assert.Equal("new", headers["x-set"]);
        Assert.Equal("one,two", headers["x-add"]);
    }

    [Fact]
    public void Setting_authority_upstream_sets_the_host_rather_than_a_header()
    {
        var ops = new HeaderOperations();
        ops.Set[":authority"] = "rewritten.example";
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://10.0.0.1/");
        request.Headers.Host = "original.example";

        HeaderEdits.Compile(ops)!.Apply(request);

        Assert.Equal("rewritten.example", request.Headers.Host);
        Assert.Single(request.Headers.NonValidated); // Host only
    }

    [Fact]
    public void Empty_header_operations_compile_to_nothing()
    {
        Assert.Null(HeaderEdits.Compile(null));
        Assert.Null(HeaderEdits.Compile(new HeaderOperations()));
    }

    [Fact]
    public void Cors_origins_match_exact_prefix_and_regex_and_join_the_lists_once()
    {
        var policy = new CorsPolicy { MaxAgeSeconds = -1, AllowMethods = { "GET", "POST" }, ExposeHeaders = { "x-a", "x-b" } };
        policy.AllowOrigins.Add(new StringMatch { Exact = "https://a.example" });
        policy.AllowOrigins.Add(new StringMatch { Prefix = "https://b." });
        policy.AllowOrigins.Add(new StringMatch { Regex = "https://.*\\.c\\.example" });
        var cors = new CorsOrigins(policy);

        Assert.True(cors.Allows("https://a.example"));
        Assert.False(cors.Allows("https://a.example.evil"));
        Assert.True(cors.Allows("https://b.anything"));
        Assert.True(cors.Allows("https://x.c.example"));
        Assert.False(cors.Allows("https://x.c.example.evil")); // a regex must match the whole origin, as in Envoy
        Assert.Equal("GET,POST", cors.AllowMethods);
        Assert.Equal("x-a,x-b", cors.ExposeHeaders);
        Assert.Null(cors.AllowHeaders);
        Assert.Null(cors.MaxAge);
    }

    [Fact]
    public void Destinations_are_picked_by_relative_weight()
    {
        var route = new Route { Forward = new RouteAction() };
        route.Forward.Clusters.Add(new WeightedCluster { Cluster = "a", Weight = 1 });
        route.Forward.Clusters.Add(new WeightedCluster { Cluster = "b", Weight = 3 });
        var compiled = new CompiledRoute(route);

        Assert.Equal(4u, compiled.TotalWeight);
        Assert.Equal("a", compiled.Pick(0)!.Cluster);
        Assert.Equal("b", compiled.Pick(1)!.Cluster);
        Assert.Equal("b", compiled.Pick(3)!.Cluster);
        Assert.Null(compiled.Pick(4));
    }
}
