using Causeway.Api.Diagnostics;
using Causeway.Api.Tests.Support;

namespace Causeway.Api.Tests.Validation;

/// <summary>Admission rules for DestinationRule, Gateway, ServiceEntry, Sidecar and the security and telemetry kinds.</summary>
public class OtherKindsValidationTests
{
    [Fact]
    public void Subset_names_must_be_unique()
    {
        var d = Yaml.SingleError(Yaml.DestinationRule("host: reviews\nsubsets:\n- {name: v1, labels: {version: v1}}\n- {name: v1, labels: {version: v2}}\n"));
        Assert.Equal("spec.subsets[1].name", d.FieldPath);
    }

    [Theory]
    [InlineData("loadBalancer: {simple: RANDOM, consistentHash: {httpHeaderName: x-user}}", "spec.trafficPolicy.loadBalancer")]
    [InlineData("loadBalancer: {consistentHash: {maglev: {tableSize: 1000}, httpHeaderName: x}}", "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize")]
    [InlineData("loadBalancer: {consistentHash: {}}", "spec.trafficPolicy.loadBalancer.consistentHash")]
    [InlineData("loadBalancer: {localityLbSetting: {distribute: [{from: us/*, to: {'us/a/*': 60, 'us/b/*': 30}}]}}", "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to")]
    [InlineData("connectionPool: {tcp: {maxConnections: 0}}", "spec.trafficPolicy.connectionPool.tcp.maxConnections")]
    [InlineData("connectionPool: {http: {http1MaxPendingRequests: -5}}", "spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests")]
    [InlineData("outlierDetection: {maxEjectionPercent: 120}", "spec.trafficPolicy.outlierDetection.maxEjectionPercent")]
    [InlineData("outlierDetection: {interval: 0s}", "spec.trafficPolicy.outlierDetection.interval")]
    [InlineData("tls: {mode: MUTUAL}", "spec.trafficPolicy.tls")]
    [InlineData("tls: {mode: ISTIO_MUTUAL, caCertificates: /etc/ca.pem}", "spec.trafficPolicy.tls")]
    public void Traffic_policy_is_checked(string policy, string path)
    {
        var d = Yaml.SingleError(Yaml.DestinationRule($"host: reviews\ntrafficPolicy:\n  {policy}\n"));
        Assert.Equal(path, d.FieldPath);
    }

    [Fact]
    public void Port_level_settings_need_a_port()
    {
        var d = Yaml.SingleError(Yaml.DestinationRule("host: reviews\ntrafficPolicy:\n  portLevelSettings:\n  - loadBalancer: {simple: RANDOM}\n"));
        Assert.Equal("spec.trafficPolicy.portLevelSettings[0].port", d.FieldPath);
    }

    [Fact]
    public void Https_server_needs_tls_and_simple_tls_needs_a_certificate()
    {
        var gw = Yaml.Resource("networking.istio.io/v1", "Gateway", "gw", "selector: {istio: ingressgateway}\nservers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: ['*']\n");
        Assert.Equal("spec.servers[0].tls", Yaml.SingleError(gw).FieldPath);
        var simple = Yaml.Resource("networking.istio.io/v1", "Gateway", "gw", "servers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: ['*']\n  tls: {mode: SIMPLE}\n");
        Assert.Equal(["spec.servers[0].tls.privateKey", "spec.servers[0].tls.serverCertificate"], Yaml.Errors(simple).Select(e => e.FieldPath!).Order().ToArray());
        Yaml.AssertValid(Yaml.Resource("networking.istio.io/v1", "Gateway", "gw", "servers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: ['*']\n  tls: {mode: SIMPLE, credentialName: bookinfo-cert}\n"));
    }

    [Fact]
    public void Unknown_and_repeated_cipher_suites_are_warned_about_and_ignored_as_istio_does()
    {
        // Istio's validateTLSOptions: "ignoring invalid cipher suites" / "ignoring duplicate cipher suites", warnings only.
        var gw = Yaml.Resource("networking.istio.io/v1", "Gateway", "gw", "servers:\n- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: ['*']\n"
            + "  tls: {mode: SIMPLE, credentialName: c, cipherSuites: [ECDHE-RSA-AES256-GCM-SHA384, TLS_RSA_WITH_NULL_MD5, ECDHE-RSA-AES256-GCM-SHA384, '[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]']}\n");
        var all = Yaml.Check(gw);
        Assert.DoesNotContain(all, d => d.Severity == Severity.Error);
        var warnings = all.Where(d => d.Severity == Severity.Warning && d.FieldPath == "spec.servers[0].tls.cipherSuites").Select(d => d.Message).ToList();
        Assert.Contains("ignoring invalid cipher suites: TLS_RSA_WITH_NULL_MD5", warnings);
        Assert.Contains("ignoring duplicate cipher suites: ECDHE-RSA-AES256-GCM-SHA384", warnings);
        Assert.Equal(2, warnings.Count);
    }

    [Fact]
    public void Gateway_server_hosts_take_an_optional_namespace()
    {
        Yaml.AssertValid(Yaml.Resource("networking.istio.io/v1", "Gateway", "gw", "servers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ['./*.example.com', 'prod/app.example.com', '*/*']\n"));
        var d = Yaml.SingleError(Yaml.Resource("networking.istio.io/v1", "Gateway", "gw", "servers:\n- port: {number: 80, name: http, protocol: HTTPX}\n  hosts: ['*']\n"));
        Assert.Equal("spec.servers[0].port.protocol", d.FieldPath);
    }

    [Fact]
    public void Service_entry_cel_rules_are_enforced()
    {
        string Se(string body) => Yaml.Resource("networking.istio.io/v1", "ServiceEntry", "se", body);
        Assert.Equal("spec.endpoints", Yaml.SingleError(Se("hosts: [a.example.com]\nports: [{number: 80, name: http, protocol: HTTP}]\nresolution: NONE\nendpoints: [{address: 10.0.0.1}]\n")).FieldPath);
        Assert.Equal("spec.addresses", Yaml.SingleError(Se("hosts: [a.example.com]\naddresses: [10.0.0.0/24]\nports: [{number: 80, name: http, protocol: HTTP}]\nresolution: DNS\n")).FieldPath);
        Assert.Equal("spec.hosts[0]", Yaml.SingleError(Se("hosts: ['*']\nports: [{number: 80, name: http, protocol: HTTP}]\n")).FieldPath);
        Assert.Equal("spec.ports[1].number", Yaml.SingleError(Se("hosts: [a.example.com]\nports: [{number: 80, name: http, protocol: HTTP}, {number: 80, name: http2, protocol: HTTP2}]\n")).FieldPath);
        Yaml.AssertValid(Se("hosts: [reviews.local]\nlocation: MESH_INTERNAL\nports: [{number: 9080, name: http, protocol: HTTP}]\nresolution: STATIC\nendpoints:\n- {address: 127.0.0.10, labels: {version: v1}}\n"));
    }

    [Fact]
    public void Sidecar_egress_hosts_are_namespace_slash_host()
    {
        var d = Yaml.SingleError(Yaml.Resource("networking.istio.io/v1", "Sidecar", "default", "egress:\n- hosts: [reviews.default.svc.cluster.local]\n"));
        Assert.Equal("spec.egress[0].hosts[0]", d.FieldPath);
        Yaml.AssertValid(Yaml.Resource("networking.istio.io/v1", "Sidecar", "default", "egress:\n- hosts: ['./*', 'istio-system/*']\n"));
    }

    [Fact]
    public void Sidecar_default_endpoint_is_loopback_any_or_unix()
    {
        var d = Yaml.SingleError(Yaml.Resource("networking.istio.io/v1", "Sidecar", "s", "workloadSelector: {labels: {app: a}}\ningress:\n- port: {number: 9080, protocol: HTTP, name: http}\n  defaultEndpoint: 10.1.1.1:8080\n"));
        Assert.Equal("spec.ingress[0].defaultEndpoint", d.FieldPath);
    }

    [Fact]
    public void Port_level_mtls_needs_a_selector()
    {
        var d = Yaml.SingleError(Yaml.Resource("security.istio.io/v1", "PeerAuthentication", "pa", "mtls: {mode: STRICT}\nportLevelMtls:\n  '8080': {mode: DISABLE}\n"));
        Assert.Equal("spec.portLevelMtls", d.FieldPath);
    }

    [Theory]
    [InlineData("action: CUSTOM\nrules: [{}]", "spec.provider")]
    [InlineData("provider: {name: ext}\nrules: [{}]", "spec.provider")]
    [InlineData("rules:\n- to:\n  - operation: {paths: ['/a/{**}/b']}", "spec.rules[0].to[0].operation.paths[0]")]
    [InlineData("rules:\n- when:\n  - key: request.headers\n    values: [x]", "spec.rules[0].when[0].key")]
    [InlineData("rules:\n- from:\n  - source: {serviceAccounts: [default/sleep], namespaces: [default]}", "spec.rules[0].from[0].source")]
    [InlineData("rules:\n- from:\n  - source: {ipBlocks: [300.1.1.1]}", "spec.rules[0].from[0].source.ipBlocks[0]")]
    public void Authorization_policy_field_combinations_are_checked(string spec, string path)
    {
        var d = Yaml.SingleError(Yaml.Resource("security.istio.io/v1", "AuthorizationPolicy", "ap", spec));
        Assert.Equal(path, d.FieldPath);
    }

    [Fact]
    public void Allow_nothing_and_allow_all_shapes_are_valid()
    {
        Yaml.AssertValid(Yaml.Resource("security.istio.io/v1", "AuthorizationPolicy", "deny-all", "{}"));
        Yaml.AssertValid(Yaml.Resource("security.istio.io/v1", "AuthorizationPolicy", "allow-all", "rules: [{}]"));
    }

    [Theory]
    [InlineData("jwtRules: [{jwksUri: 'https://x/jwks'}]", "spec.jwtRules[0].issuer")]
    [InlineData("jwtRules: [{issuer: a, jwks: '{}', jwksUri: 'https://x'}]", "spec.jwtRules[0]")]
    [InlineData("jwtRules: [{issuer: a, jwksUri: 'ftp://x'}]", "spec.jwtRules[0].jwksUri")]
    [InlineData("jwtRules: [{issuer: a, fromHeaders: [{prefix: 'Bearer '}]}]", "spec.jwtRules[0].fromHeaders[0].name")]
    public void Jwt_rules_are_checked(string spec, string path)
    {
        var d = Yaml.SingleError(Yaml.Resource("security.istio.io/v1", "RequestAuthentication", "ra", spec));
        Assert.Equal(path, d.FieldPath);
    }

    [Fact]
    public void Telemetry_sampling_is_a_percentage()
    {
        var d = Yaml.SingleError(Yaml.Resource("telemetry.istio.io/v1", "Telemetry", "t", "tracing: [{randomSamplingPercentage: 101}]"));
        Assert.Equal("spec.tracing[0].randomSamplingPercentage", d.FieldPath);
    }

    [Fact]
    public void An_access_log_filter_causeway_cannot_evaluate_is_a_warning_not_an_error()
    {
        // Istio accepts any string as filter.expression; Causeway says it will log every request instead.
        var d = Yaml.Check(Yaml.Resource("telemetry.istio.io/v1", "Telemetry", "t", "accessLogging: [{filter: {expression: \"response.status >= 400\"}}]"));
        var warning = Assert.Single(d);
        Assert.Equal((Severity.Warning, "spec.accessLogging[0].filter.expression"), (warning.Severity, warning.FieldPath));
        Assert.Contains("unknown attribute response.status", warning.Message, StringComparison.Ordinal);
        Assert.Empty(Yaml.Check(Yaml.Resource("telemetry.istio.io/v1", "Telemetry", "t", "accessLogging: [{filter: {expression: \"response.code >= 400\"}}]")));
    }

    [Fact]
    public void Metadata_name_is_required_and_must_be_dns()
    {
        var missing = Yaml.SingleError("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {namespace: default}\nspec: {host: a}\n");
        Assert.Equal("metadata.name", missing.FieldPath);
        var bad = Yaml.SingleError("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: Bad_Name}\nspec: {host: a}\n");
        Assert.Equal("metadata.name", bad.FieldPath);
    }
}
