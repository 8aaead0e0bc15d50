using Causeway.Protocol.V1;
using Causeway.Translation.Tests.Support;

namespace Causeway.Translation.Tests;

/// <summary>
/// Which AuthorizationPolicies and RequestAuthentications a proxy gets (Istio: the root namespace's apply mesh-wide,
/// a namespace's to its workloads, a selector narrows either), and how the forms Causeway cannot run are carried.
/// </summary>
public sealed class RequestSecurityPolicyTests
{
    private static string Policy(string name, string ns, string spec, string annotations = "") => $"""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: {name}
          namespace: {ns}
          {annotations}
        spec:
          {spec}
        """;

    private static readonly string Workloads = """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews-v1, namespace: bookinfo}
        spec: {address: 127.0.10.3, labels: {app: reviews, version: v1}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: ratings-v1, namespace: bookinfo}
        spec: {address: 127.0.10.6, labels: {app: ratings, version: v1}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: sleep, namespace: other}
        spec: {address: 127.0.10.9, labels: {app: reviews}}
        """;

    private static ProxySnapshot Snapshot(string name, string ns, params string[] docs)
    {
        var mesh = TestMesh.Load([Workloads, .. docs]);
        return ProxySnapshotBuilder.Build(mesh, ProxyRequest.Resolve(mesh, ProxyRole.Sidecar, name, ns, new Dictionary<string, string>())!);
    }

    private static IEnumerable<string> Names(ProxySnapshot s) => s.Security?.Authorization.Select(p => p.Name) ?? [];

    [Fact]
    public void Root_namespace_policies_apply_mesh_wide_namespace_ones_to_their_namespace_and_selectors_narrow_both()
    {
        string[] docs =
        [
            Policy("mesh-deny", "istio-system", "{action: DENY, rules: [{to: [{operation: {paths: [/admin]}}]}]}"),
            Policy("mesh-reviews", "istio-system", "{selector: {matchLabels: {app: reviews}}, rules: [{}]}"),
            Policy("ns-all", "bookinfo", "{}"),
            Policy("ns-ratings", "bookinfo", "{selector: {matchLabels: {app: ratings}}, rules: [{}]}"),
        ];
        Assert.Equal(["bookinfo/ns-all", "istio-system/mesh-deny", "istio-system/mesh-reviews"], Names(Snapshot("reviews-v1", "bookinfo", docs)).Order(StringComparer.Ordinal));
        Assert.Equal(["bookinfo/ns-all", "bookinfo/ns-ratings", "istio-system/mesh-deny"], Names(Snapshot("ratings-v1", "bookinfo", docs)).Order(StringComparer.Ordinal));
        // another namespace: only the root namespace's, selector included (its labels match app: reviews)
        Assert.Equal(["istio-system/mesh-deny", "istio-system/mesh-reviews"], Names(Snapshot("sleep", "other", docs)).Order(StringComparer.Ordinal));
        Assert.Null(Snapshot("sleep", "other", Policy("ns-all", "bookinfo", "{}")).Security);
    }

    [Fact]
    public void Fields_are_carried_with_their_file_and_line_and_service_accounts_and_trust_domains_become_principal_patterns()
    {
        var policy = Assert.Single(Snapshot("reviews-v1", "bookinfo", Policy("p", "bookinfo", """
            {rules: [{from: [{source: {serviceAccounts: [bookinfo/productpage], notTrustDomains: [evil.example], ipBlocks: [10.0.0.0/8]}}],
              to: [{operation: {methods: [GET], notPaths: [/private/*]}}], when: [{key: "request.auth.claims[iss]", values: [a, b]}]}]}
            """)).Security.Authorization);
        Assert.Equal(AuthorizationAction.Allow, policy.Action);
        Assert.Matches(@"^test\d*\.yaml:\d+$", policy.Source);
        var rule = Assert.Single(policy.Rules);
        var source = Assert.Single(rule.From);
        Assert.Equal(["*/ns/bookinfo/sa/productpage"], source.ServiceAccounts.Values);
        Assert.Equal(["evil.example/*"], source.TrustDomains.NotValues);
        Assert.Equal(["10.0.0.0/8"], source.IpBlocks.Values);
        Assert.Null(source.Principals); // not set: constrains nothing
        Assert.Equal(["/private/*"], Assert.Single(rule.To).Paths.NotValues);
        Assert.Equal("request.auth.claims[iss]", rule.When[0].Key);
        Assert.Equal(["a", "b"], rule.When[0].Match.Values);
    }

    [Fact]
    public void Custom_fails_closed_dry_run_is_marked_and_target_refs_are_left_out_with_a_notice()
    {
        var snapshot = Snapshot("reviews-v1", "bookinfo",
            Policy("ext", "bookinfo", "{action: CUSTOM, provider: {name: my-authz}, rules: [{to: [{operation: {paths: [/admin]}}]}]}"),
            Policy("dry", "bookinfo", "{action: DENY, rules: [{}]}", "annotations: {istio.io/dry-run: \"true\"}"),
            Policy("waypoint", "bookinfo", "{targetRefs: [{kind: Service, group: \"\", name: reviews}], rules: [{}]}"));
        var policies = snapshot.Security.Authorization.ToDictionary(p => p.Name);
        Assert.Equal(AuthorizationAction.Deny, policies["bookinfo/ext"].Action);
        Assert.Contains(snapshot.Notices, n => n.Contains("CUSTOM", StringComparison.Ordinal) && n.Contains("fail closed", StringComparison.Ordinal));
        Assert.True(policies["bookinfo/dry"].DryRun);
        Assert.False(policies.ContainsKey("bookinfo/waypoint"));
        Assert.Contains(snapshot.Notices, n => n.Contains("waypoint", StringComparison.Ordinal) && n.Contains("targetRefs", StringComparison.Ordinal));
    }

    [Fact]
    public void Jwt_rules_carry_their_locations_and_an_unfetched_jwks_uri_is_said()
    {
        var snapshot = Snapshot("reviews-v1", "bookinfo", """
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: {name: jwt, namespace: bookinfo}
            spec:
              selector: {matchLabels: {app: reviews}}
              jwtRules:
              - issuer: issuer-1
                jwksUri: https://issuer-1.example/keys
                fromHeaders: [{name: x-jwt, prefix: "Token "}]
                fromParams: [token]
                forwardOriginalToken: true
            """);
        var rule = Assert.Single(snapshot.Security.JwtRules);
        Assert.Equal("issuer-1", rule.Issuer);
        Assert.Equal("", rule.Jwks); // not fetched: every token of the issuer fails, as in Istio
        Assert.Equal(("x-jwt", "Token "), (rule.FromHeaders[0].Name, rule.FromHeaders[0].Prefix));
        Assert.Equal(["token"], rule.FromParams);
        Assert.True(rule.ForwardOriginalToken);
        Assert.Contains(snapshot.Notices, n => n.Contains("https://issuer-1.example/keys", StringComparison.Ordinal));
    }
}

/// <summary>
/// Istio's own security test data (../shared/istio-corpus, the analyzers' AuthorizationPolicy and
/// RequestAuthentication files): every valid policy translates for the workloads it selects, compiles in the
/// proxy for HTTP and TCP, and decides a request without failing.
/// </summary>
public sealed class CorpusSecurityPolicyTests
{
    private static readonly string Testdata = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "istio-corpus", "istio", "pkg", "config", "analysis", "analyzers", "testdata"));

    [Theory]
    [InlineData("authorizationpolicies.yaml")]
    [InlineData("blocked-cidrs-configured.yaml")]
    [InlineData("blocked-cidrs-missing.yaml")]
    [InlineData("condition-analyzer.yaml")]
    [InlineData("k8sgateway-selector.yaml")]
    public void Every_policy_of_istios_test_data_translates_compiles_and_decides(string file)
    {
        var loaded = Api.Validation.ResourceValidation.LoadAndValidate([Path.Combine(Testdata, file)]);
        var mesh = new Mesh.MeshState(loaded.Valid);
        var policies = loaded.Valid.Select(r => r.Resource).Where(r => r is Api.Model.Security.AuthorizationPolicy or Api.Model.Security.RequestAuthentication).ToList();
        Assert.NotEmpty(policies);
        var translated = 0;
        foreach (var policy in policies)
        {
            var selector = policy switch
            {
                Api.Model.Security.AuthorizationPolicy a => a.Spec.Selector?.MatchLabels,
                Api.Model.Security.RequestAuthentication r => r.Spec.Selector?.MatchLabels,
                _ => null,
            };
            var request = ProxyRequest.Sidecar("probe", mesh.Names.NamespaceOf(policy), selector ?? new Dictionary<string, string>());
            var security = ProxySnapshotBuilder.Build(mesh, request).Security;
            if (security is null)
            {
                continue; // e.g. targetRefs only: left out with a notice
            }

            translated++;
            foreach (var http in new[] { true, false })
            {
                var engine = new Proxy.Security.Authorization.CompiledAuthorization(security.Authorization, http);
                _ = engine.Decide(new Proxy.Security.Authorization.AuthorizationInput
                {
                    IsHttp = http,
                    SourceIp = "10.0.0.1",
                    RemoteIp = "10.0.0.1",
                    DestinationPort = 8080,
                    Method = "GET",
                    Path = "/",
                    Host = "example.com",
                });
            }

            _ = new Proxy.Security.Authorization.JwtAuthenticator(security.JwtRules);
        }

        Assert.True(translated > 0, $"no policy of {file} applied to a probe workload");
    }
}
