using Causeway.Api.Tests.Support;

namespace Causeway.Api.Tests.Validation;

/// <summary>VirtualService admission rules (virtual_service.proto and Istio's validation), one behaviour per test.</summary>
public class VirtualServiceValidationTests
{
    private static string Route(string extra = "") => $"hosts: [reviews]\nhttp:\n- route:\n  - destination: {{host: reviews}}\n{extra}";

    [Fact]
    public void A_plain_route_is_valid() => Yaml.AssertValid(Yaml.VirtualService(Route()));

    [Fact]
    public void Match_without_route_redirect_or_direct_response_is_rejected_istio_31525()
    {
        var d = Yaml.SingleError(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- match:\n  - uri: {prefix: /api}\n"));
        Assert.Equal("spec.http[0]", d.FieldPath);
        Assert.Contains("31525", d.Hint!, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_and_redirect_are_mutually_exclusive()
    {
        var d = Yaml.SingleError(Yaml.VirtualService(Route("  redirect: {uri: /x}\n")));
        Assert.Contains("mutually exclusive", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rewrite_cannot_be_used_with_redirect()
    {
        var d = Yaml.SingleError(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- redirect: {uri: /x}\n  rewrite: {uri: /y}\n"));
        Assert.Equal("spec.http[0].rewrite", d.FieldPath);
    }

    [Theory]
    [InlineData("(a)\\1", "backreference")]
    [InlineData("foo(?=bar)", "lookahead")]
    [InlineData("(?<!x)y", "lookbehind")]
    [InlineData("(?>a+)b", "atomic group")]
    [InlineData("a++", "possessive")]
    [InlineData("[a-", "missing closing ]")]
    public void Regex_must_be_RE2(string pattern, string reason)
    {
        var d = Yaml.SingleError(Yaml.VirtualService($"hosts: [reviews]\nhttp:\n- match:\n  - uri: {{regex: '{pattern}'}}\n  route:\n  - destination: {{host: reviews}}\n"));
        Assert.Equal("spec.http[0].match[0].uri.regex", d.FieldPath);
        Assert.Contains(reason, d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("^/api/v[0-9]+/.*$")]
    [InlineData("(?i)/products")]
    [InlineData("(?P<version>v[12])")]
    [InlineData("[\\]a]+")]
    public void RE2_regexes_are_accepted(string pattern) =>
        Yaml.AssertValid(Yaml.VirtualService($"hosts: [reviews]\nhttp:\n- match:\n  - uri: {{regex: '{pattern}'}}\n  route:\n  - destination: {{host: reviews}}\n"));

    [Fact]
    public void Header_match_names_must_be_lower_case()
    {
        var d = Yaml.SingleError(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- match:\n  - headers: {End-User: {exact: jason}}\n  route:\n  - destination: {host: reviews}\n"));
        Assert.Equal("spec.http[0].match[0].headers[\"End-User\"]", d.FieldPath);
        Assert.Equal("use \"end-user\"", d.Hint);
    }

    [Fact]
    public void Empty_header_match_is_a_presence_check_and_valid() =>
        Yaml.AssertValid(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- match:\n  - headers: {end-user: {}}\n  route:\n  - destination: {host: reviews}\n"));

    [Fact]
    public void Pseudo_header_names_are_accepted_in_header_matches_as_istio_does()
    {
        // pkg/config/validation ValidateHTTPHeaderNameOrJwtClaimRoute: the RFC 7540 pseudo-headers are valid names.
        foreach (var name in new[] { ":method", ":scheme", ":authority", ":path", ":status" })
        {
            Yaml.AssertValid(Yaml.VirtualService($"hosts: [reviews]\nhttp:\n- match:\n  - headers: {{\"{name}\": {{exact: x}}}}\n  route:\n  - destination: {{host: reviews}}\n"));
        }

        var d = Yaml.SingleError(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- match:\n  - headers: {\":other\": {exact: x}}\n  route:\n  - destination: {host: reviews}\n"));
        Assert.Equal("invalid header name \":other\"", d.Message);
    }

    [Fact]
    public void Regex_star_in_headers_and_without_headers_is_a_presence_match_not_an_invalid_regex()
    {
        // Istio skips the RE2 check for "*" in header matches and translates it to a present_match.
        Yaml.AssertValid(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- match:\n  - headers: {x-canary: {regex: \"*\"}}\n  route:\n  - destination: {host: reviews}\n"));
        Yaml.AssertValid(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- match:\n  - withoutHeaders: {x-canary: {regex: \"*\"}}\n  route:\n  - destination: {host: reviews}\n"));
        var d = Yaml.SingleError(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- match:\n  - uri: {regex: \"*\"}\n  route:\n  - destination: {host: reviews}\n"));
        Assert.Equal("spec.http[0].match[0].uri.regex", d.FieldPath); // elsewhere "*" is still an invalid regex
    }

    [Fact]
    public void String_match_needs_exactly_one_of_exact_prefix_regex()
    {
        var d = Yaml.SingleError(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- match:\n  - uri: {exact: /a, prefix: /b}\n  route:\n  - destination: {host: reviews}\n"));
        Assert.Contains("mutually exclusive", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_are_relative_so_any_non_negative_values_are_valid_istio_39544() =>
        Yaml.AssertValid(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- route:\n  - destination: {host: reviews, subset: v1}\n    weight: 3\n  - destination: {host: reviews, subset: v2}\n    weight: 1\n"));

    [Fact]
    public void Negative_weight_is_rejected()
    {
        var d = Yaml.SingleError(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- route:\n  - destination: {host: reviews, subset: v1}\n    weight: -1\n  - destination: {host: reviews, subset: v2}\n    weight: 1\n"));
        Assert.Equal("spec.http[0].route[0].weight", d.FieldPath);
    }

    [Fact]
    public void All_zero_weights_route_nothing_and_are_rejected()
    {
        var d = Yaml.SingleError(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- route:\n  - destination: {host: reviews, subset: v1}\n    weight: 0\n  - destination: {host: reviews, subset: v2}\n    weight: 0\n"));
        Assert.Equal("spec.http[0].route", d.FieldPath);
    }

    [Theory]
    [InlineData("port: {number: 0}", "spec.http[0].route[0].destination.port.number")]
    [InlineData("port: {number: 70000}", "spec.http[0].route[0].destination.port.number")]
    [InlineData("subset: V1", "spec.http[0].route[0].destination.subset")]
    public void Destination_fields_are_checked(string field, string path)
    {
        var d = Yaml.SingleError(Yaml.VirtualService($"hosts: [reviews]\nhttp:\n- route:\n  - destination: {{host: reviews, {field}}}\n"));
        Assert.Equal(path, d.FieldPath);
    }

    [Theory]
    [InlineData("timeout: 1s\n  retries: {attempts: -1}", "spec.http[0].retries.attempts")]
    [InlineData("retries: {attempts: 2, perTryTimeout: 0s}", "spec.http[0].retries.perTryTimeout")]
    [InlineData("retries: {attempts: 2, retryOn: '5xx,gateway-eror'}", "spec.http[0].retries.retryOn")]
    [InlineData("retries: {attempts: 2, retryOn: '5xx,700'}", "spec.http[0].retries.retryOn")]
    public void Retry_policy_is_checked(string retry, string path)
    {
        var d = Yaml.SingleError(Yaml.VirtualService(Route($"  {retry}\n")));
        Assert.Equal(path, d.FieldPath);
    }

    [Fact]
    public void Retry_conditions_suggest_the_closest_policy()
    {
        var d = Yaml.SingleError(Yaml.VirtualService(Route("  retries: {attempts: 2, retryOn: 'conect-failure'}\n")));
        Assert.Equal("did you mean \"connect-failure\"?", d.Hint);
    }

    [Fact]
    public void Envoy_and_gRPC_retry_policies_and_status_codes_are_accepted() =>
        Yaml.AssertValid(Yaml.VirtualService(Route("  retries: {attempts: 3, perTryTimeout: 2s, retryOn: 'gateway-error,connect-failure,refused-stream,unavailable,cancelled,503'}\n")));

    [Theory]
    [InlineData("abort: {httpStatus: 700, percentage: {value: 10}}", "spec.http[0].fault.abort.httpStatus")]
    [InlineData("abort: {grpcStatus: NOT_A_STATUS, percentage: {value: 10}}", "spec.http[0].fault.abort.grpcStatus")]
    [InlineData("abort: {percentage: {value: 10}}", "spec.http[0].fault.abort")]
    [InlineData("delay: {percentage: {value: 10}}", "spec.http[0].fault.delay.fixedDelay")]
    [InlineData("delay: {fixedDelay: 1s, percentage: {value: 150}}", "spec.http[0].fault.delay.percentage.value")]
    public void Fault_injection_is_checked(string fault, string path)
    {
        var d = Yaml.SingleError(Yaml.VirtualService(Route($"  fault:\n    {fault}\n")));
        Assert.Equal(path, d.FieldPath);
    }

    [Fact]
    public void Fault_with_timeout_warns_that_Istio_disables_retries_and_timeouts()
    {
        var diagnostics = Yaml.Check(Yaml.VirtualService(Route("  timeout: 2s\n  fault:\n    delay: {fixedDelay: 7s, percentage: {value: 100}}\n")));
        var d = Assert.Single(diagnostics);
        Assert.Equal(Causeway.Api.Diagnostics.Severity.Warning, d.Severity);
        Assert.Contains("not applied", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redirect: {uri: /x, redirectCode: 200}", "spec.http[0].redirect.redirectCode")]
    [InlineData("redirect: {uri: /x, port: 8080, derivePort: FROM_REQUEST_PORT}", "spec.http[0].redirect")]
    [InlineData("directResponse: {status: 700}", "spec.http[0].directResponse.status")]
    [InlineData("directResponse: {body: {string: hi}}", "spec.http[0].directResponse.status")]
    public void Redirect_and_direct_response_are_checked(string action, string path)
    {
        var d = Yaml.SingleError(Yaml.VirtualService($"hosts: [reviews]\nhttp:\n- {action}\n"));
        Assert.Equal(path, d.FieldPath);
    }

    [Fact]
    public void Cors_max_age_is_whole_seconds_and_methods_are_upper_case()
    {
        var errors = Yaml.Errors(Yaml.VirtualService(Route("  corsPolicy:\n    allowOrigins: [{exact: 'https://a.com'}]\n    allowMethods: [get]\n    maxAge: 1500ms\n")));
        Assert.Equal(["spec.http[0].corsPolicy.allowMethods[0]", "spec.http[0].corsPolicy.maxAge"], errors.Select(e => e.FieldPath!).Order().ToArray());
    }

    [Fact]
    public void Wildcard_host_is_not_allowed_for_the_mesh()
    {
        var d = Yaml.SingleError(Yaml.VirtualService("hosts: ['*']\nhttp:\n- route:\n  - destination: {host: reviews}\n"));
        Assert.Equal("spec.hosts[0]", d.FieldPath);
        Yaml.AssertValid(Yaml.VirtualService("hosts: ['*']\ngateways: [bookinfo-gateway]\nhttp:\n- route:\n  - destination: {host: reviews}\n"));
    }

    [Theory]
    [InlineData("ns/reviews")]
    [InlineData("foo.*.com")]
    [InlineData("bad_host!")]
    public void Invalid_hosts_are_rejected(string host)
    {
        var d = Yaml.SingleError(Yaml.VirtualService($"hosts: ['{host}']\nhttp:\n- route:\n  - destination: {{host: reviews}}\n"));
        Assert.Equal("spec.hosts[0]", d.FieldPath);
    }

    [Fact]
    public void Delegate_virtual_service_cannot_set_gateways_or_delegate_again()
    {
        var errors = Yaml.Errors(Yaml.VirtualService("gateways: [gw]\nhttp:\n- delegate: {name: other}\n"));
        Assert.Equal(["spec.gateways", "spec.http[0].delegate"], errors.Select(e => e.FieldPath!).Order().ToArray());
    }

    [Fact]
    public void Tls_route_sni_hosts_must_be_among_the_hosts()
    {
        var d = Yaml.SingleError(Yaml.VirtualService("hosts: [a.example.com]\ngateways: [gw]\ntls:\n- match:\n  - sniHosts: [b.example.com]\n  route:\n  - destination: {host: b.example.com}\n"));
        Assert.Equal("spec.tls[0].match[0].sniHosts[0]", d.FieldPath);
    }

    [Fact]
    public void Tcp_route_subnets_must_be_CIDRs()
    {
        var d = Yaml.SingleError(Yaml.VirtualService("hosts: [db]\ntcp:\n- match:\n  - destinationSubnets: [10.0.0.0/33]\n  route:\n  - destination: {host: db}\n"));
        Assert.Equal("spec.tcp[0].match[0].destinationSubnets[0]", d.FieldPath);
    }

    [Fact]
    public void Export_to_accepts_dot_star_and_namespaces_only()
    {
        var d = Yaml.SingleError(Yaml.VirtualService(Route() + "exportTo: ['*', default]\n"));
        Assert.Equal("spec.exportTo", d.FieldPath);
        Yaml.AssertValid(Yaml.VirtualService(Route() + "exportTo: ['.', istio-system]\n"));
    }

    [Fact]
    public void Catch_all_rule_makes_later_rules_unreachable_first_match_wins()
    {
        var diagnostics = Yaml.Check(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- route:\n  - destination: {host: reviews}\n- route:\n  - destination: {host: ratings}\n"));
        var d = Assert.Single(diagnostics);
        Assert.Equal(("IST0130", "spec.http[1]"), (d.Code, d.FieldPath));
    }

    [Fact]
    public void Prefix_covered_by_an_earlier_prefix_is_ineffective()
    {
        var diagnostics = Yaml.Check(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- match: [{uri: {prefix: /api}}]\n  route:\n  - destination: {host: a}\n- match: [{uri: {prefix: /api/v2}}]\n  route:\n  - destination: {host: b}\n"));
        var d = Assert.Single(diagnostics);
        Assert.Equal(("IST0131", "spec.http[1].match[0]"), (d.Code, d.FieldPath));
    }

    [Theory]
    [InlineData("maxTokens=10", null)]
    [InlineData("maxTokens=10,tokensPerFill=5,fillInterval=500ms", null)]
    [InlineData("tokensPerFill=5", "maxTokens is required")]
    [InlineData("maxTokens=0", "maxTokens must be a positive integer")]
    [InlineData("maxTokens=5,fillInterval=soon", "fillInterval must be a duration")]
    [InlineData("maxTokens=5,burst=2", "unknown setting \"burst\"")]
    public void The_local_rate_limit_annotation_is_checked_and_named(string value, string? error)
    {
        var yaml = Yaml.VirtualService(Route()).Replace("  namespace: default\n", $"  namespace: default\n  annotations:\n    causeway.io/local-rate-limit: \"{value}\"\n", StringComparison.Ordinal);
        if (error is null)
        {
            Yaml.AssertValid(yaml);
            return;
        }

        var d = Yaml.SingleError(yaml);
        Assert.Equal("metadata.annotations[\"causeway.io/local-rate-limit\"]", d.FieldPath);
        Assert.Contains(error, d.Message, StringComparison.Ordinal);
    }
}
