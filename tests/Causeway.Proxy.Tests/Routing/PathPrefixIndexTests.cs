using Causeway.Protocol.V1;
using Causeway.Proxy.Routing;

namespace Causeway.Proxy.Tests.Routing;

/// <summary>
/// The path index may only skip routes that cannot match: first match wins (Istio: "the first rule matching an
/// incoming request is used") must give the same route with and without it, for any table and any request.
/// </summary>
public sealed class PathPrefixIndexTests
{
    private static readonly string[] Segments = ["/", "/a", "/api", "/api/", "/api/v1", "/api/v1/x", "/b.c", "/B", "/Api/V1", "/re/7", "/re/77", "/re/", "/re", "/ai", "/ab", "/abb", "/api/12"];
    private static readonly string[] Regexes = [@"/api/v[0-9]+/.*", @"/re/[0-9]+", @"/re/7?", @"/ap*i", @"/b\.c", @"/a|/b", @"(?i)/api.*", @"/api/\d+", @".*", @"/ab{1,2}"];

    [Theory]
    [InlineData(@"/api/v[0-9]+", "/api/v")]
    [InlineData(@"/b\.c/.*", "/b.c/")]
    [InlineData(@"/re/7?", "/re/")]
    [InlineData(@"/ab*", "/a")]
    [InlineData(@"/ab{2}", "/a")]
    [InlineData(@"/ab+", "/ab")]
    [InlineData(@"/a|/b", "")]
    [InlineData(@"^/a", "")]
    [InlineData(@"(?i)/a", "")]
    [InlineData(@"/api/\d+", "/api/")]
    [InlineData(@"\A/x", "")]
    [InlineData(@"/x\", "/x")]
    public void Regex_literal_prefix_stops_before_anything_optional_or_not_literal(string pattern, string prefix) =>
        Assert.Equal(prefix, PathPrefixIndex.RegexLiteralPrefix(pattern));

    [Fact]
    public void Indexed_matching_picks_the_same_route_as_trying_every_route_in_order()
    {
        var random = new Random(20261121);
        for (var table = 0; table < 200; table++)
        {
            var routes = Enumerable.Range(0, random.Next(8, 150)).Select(i => RandomRoute(random, i)).ToList();
            var vhost = new VirtualHost { Name = "t", Domains = { "*" } };
            vhost.Routes.AddRange(routes);
            var compiled = new CompiledRouteTable(new RouteTable { Name = "t", VirtualHosts = { vhost } }).FindVirtualHost("any")!;
            for (var r = 0; r < 50; r++)
            {
                var path = Segments[random.Next(Segments.Length)] + (random.Next(3) == 0 ? Segments[random.Next(Segments.Length)] : "");
                var request = new Request(path, random.Next(2) == 0 ? "yes" : null);
                var expected = compiled.Routes.FirstOrDefault(c => c.Match.Matches(ref request));
                Assert.Same(expected, compiled.Match(ref request));
            }
        }
    }

    private static Route RandomRoute(Random random, int i)
    {
        var match = new RouteMatch();
        switch (random.Next(5))
        {
            case 0:
                match.Path = new StringMatch { Prefix = Segments[random.Next(Segments.Length)] };
                break;
            case 1:
                match.Path = new StringMatch { Exact = Segments[random.Next(Segments.Length)] };
                break;
            case 2:
                match.Path = new StringMatch { Regex = Regexes[random.Next(Regexes.Length)] };
                break;
            case 3:
                break; // no path condition: always a candidate
            default:
                match.Path = new StringMatch { Prefix = Segments[random.Next(Segments.Length)] };
                match.IgnoreUriCase = true;
                break;
        }

        if (random.Next(3) == 0)
        {
            match.Headers.Add(new HeaderMatch { Name = "x-flag", Match = new StringMatch { Exact = "yes" } });
        }

        return new Route { Name = "r" + i, Match = random.Next(20) == 0 ? null : match, DirectResponse = new DirectResponse { Status = 200 } };
    }

    private readonly struct Request(string path, string? flag) : IRouteRequest
    {
        public string Method => "GET";

        public string Scheme => "http";

        public string Authority => "any";

        public string Path { get; } = path;

        public string Query => "";

        public uint Port => 80;

        public bool TryGetHeader(string name, out string value)
        {
            value = flag ?? "";
            return flag is not null && name == "x-flag";
        }
    }
}
