namespace Causeway.Expressions.Tests;

/// <summary>
/// The CEL subset of Istio's Telemetry filters (istio.io Telemetry API: "filter.expression ... CEL", with
/// <c>response.code >= 400</c> as the documented example), evaluated against fixed attributes.
/// </summary>
public class CelTests
{
    private sealed class Headers(Dictionary<string, string> values) : CelMap
    {
        public override bool TryGet(string key, out object? value)
        {
            var found = values.TryGetValue(key, out var text);
            value = text;
            return found;
        }
    }

    private sealed class Attributes(Dictionary<string, object?> values) : ICelActivation
    {
        public bool TryResolve(string name, out object? value) => values.TryGetValue(name, out value);
    }

    private static readonly Attributes Request = new(new Dictionary<string, object?>
    {
        ["request.method"] = "GET",
        ["request.url_path"] = "/api/v1/users",
        ["request.host"] = "reviews:9080",
        ["request.headers"] = new Headers(new() { ["x-user"] = "jason", ["user-agent"] = "curl/8" }),
        ["request.duration"] = TimeSpan.FromMilliseconds(1500),
        ["response.code"] = 503L,
        ["response.flags"] = 0x20L,
        ["connection.mtls"] = false,
        ["xds.cluster_name"] = "outbound|9080|v1|reviews.default.svc.cluster.local",
    });

    [Theory]
    [InlineData("response.code >= 400", true)] // istio.io's example
    [InlineData("response.code == 200", false)]
    [InlineData("response.code >= 500 && response.code < 600", true)]
    [InlineData("request.method == 'GET' || request.method == \"HEAD\"", true)]
    [InlineData("request.url_path.startsWith('/api/') && !request.url_path.endsWith('.css')", true)]
    [InlineData("request.url_path.contains('v2')", false)]
    [InlineData("request.url_path.matches('^/api/v[0-9]+/')", true)]
    [InlineData("request.url_path.matches('v[0-9]')", true)] // unanchored, as CEL's matches (RE2 partial match)
    [InlineData("request.url_path.matches('^v[0-9]')", false)]
    [InlineData("request.host.matches(request.headers['x-user'])", false)] // a pattern known only per request
    [InlineData("request.headers['x-user'] == 'jason'", true)]
    [InlineData("has(request.headers.x_missing)", false)]
    [InlineData("'x-user' in request.headers", true)]
    [InlineData("response.code in [500, 502, 503, 504]", true)]
    [InlineData("request.duration > duration('1s')", true)]
    [InlineData("request.duration > duration('1m30s')", false)]
    [InlineData("response.flags != 0", true)]
    [InlineData("size(request.host) == 12", true)]
    [InlineData("string(response.code) == '503'", true)]
    [InlineData("connection.mtls ? false : response.code % 100 == 3", true)]
    [InlineData("xds.cluster_name.startsWith('outbound|9080|v1|')", true)]
    [InlineData("(response.code - 3) * 2 == 1000", true)]
    public void Expressions_evaluate_as_cel_does(string expression, bool expected) =>
        Assert.Equal(expected, CelParser.Parse(expression).Matches(Request));

    [Theory]
    [InlineData("request.headers['x-missing'] == 'a'")] // no such key: an error, which a filter reads as false
    [InlineData("request.nothing == 1")]
    [InlineData("response.code == 'text' || response.code.startsWith('5')")]
    [InlineData("request.method")] // not a boolean
    public void Errors_and_non_booleans_do_not_match(string expression) =>
        Assert.False(CelParser.Parse(expression).Matches(Request));

    [Theory]
    [InlineData("request.headers['x-missing'] == 'a' || response.code == 503", true)]
    [InlineData("response.code == 200 && request.headers['x-missing'] == 'a'", false)]
    public void And_and_or_absorb_an_error_when_the_other_side_decides(string expression, bool expected) =>
        Assert.Equal(expected, CelParser.Parse(expression).Matches(Request));

    [Theory]
    [InlineData("response.code >=", "ends too early")]
    [InlineData("response.code == 'open", "unterminated string")]
    [InlineData("(response.code == 1", "expected ')'")]
    [InlineData("response.code # 1", "unexpected character '#' at 15")]
    [InlineData("has(response)", "has() takes one field selection")]
    [InlineData("request.path.matches('(a)\\\\1')", "invalid RE2 pattern")] // backreferences are not RE2, and a literal pattern is checked when parsed
    [InlineData("request.path.matches('(?=x)')", "invalid RE2 pattern")]
    public void Syntax_errors_say_where(string expression, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => CelParser.Parse(expression)).Message, StringComparison.Ordinal);

    [Fact]
    public void Deep_nesting_and_huge_expressions_are_refused_not_a_stack_overflow()
    {
        Assert.Contains("nested deeper than 64", Assert.Throws<FormatException>(() => CelParser.Parse(new string('(', 300) + "1" + new string(')', 300))).Message, StringComparison.Ordinal);
        Assert.Contains("nested deeper than 64", Assert.Throws<FormatException>(() => CelParser.Parse(new string('!', 500) + "true")).Message, StringComparison.Ordinal);
        Assert.Contains("longer than 1000 tokens", Assert.Throws<FormatException>(() => CelParser.Parse(string.Join(" && ", Enumerable.Repeat("true", 100_000)))).Message, StringComparison.Ordinal);
        Assert.True(CelParser.Parse(string.Join(" && ", Enumerable.Repeat("response.code == 503", 100))).Matches(Request)); // long but fine
        Assert.True(CelParser.Parse(new string('(', 60) + "true" + new string(')', 60)).Matches(Request));
    }

    [Fact]
    public void Unknown_attributes_are_named_and_map_keys_are_not_attributes()
    {
        Assert.Null(CelAttributes.Check(CelParser.Parse("request.headers.x_user == 'a' && response.code >= 400 && xds.route_name != ''")));
        Assert.StartsWith("unknown attribute response.status", CelAttributes.Check(CelParser.Parse("response.status >= 400")), StringComparison.Ordinal);
    }
}
