using System.Globalization;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Security.Authorization;

/// <summary>The outcome of authorization: allowed, or denied with the policy (and rule) that decided it.</summary>
/// <param name="Allowed">Whether the request or connection may proceed.</param>
/// <param name="Reason">Envoy's response code details for a denial (rbac_access_denied_matched_policy[...]).</param>
/// <param name="Because">For people: which policy decided, with its file and line (what <c>causeway explain</c> prints).</param>
public readonly record struct AuthorizationDecision(bool Allowed, string Reason, string Because);

/// <summary>
/// The AuthorizationPolicies of one proxy, compiled for one kind of listener (HTTP or TCP), evaluated in Istio's
/// order: any matching DENY denies (CUSTOM arrives here as DENY, failing closed); with no ALLOW policy the request is
/// allowed; otherwise some ALLOW policy must match. AUDIT and dry-run policies never change the decision.
/// On TCP, a rule that needs HTTP attributes (methods, paths, hosts, request principals, request headers, JWT claims)
/// cannot be evaluated: an ALLOW rule with any of them never matches, and a DENY rule treats them as matched, so it
/// denies more rather than less (Istio's documented behaviour for HTTP-only fields on TCP).
/// </summary>
public sealed class CompiledAuthorization
{
    private readonly CompiledPolicy[] deny;
    private readonly CompiledPolicy[] allow;

    public CompiledAuthorization(IEnumerable<AuthorizationPolicy> policies, bool http)
    {
        var enforced = policies.Where(p => !p.DryRun && p.Action != AuthorizationAction.Audit).ToList();
        deny = enforced.Where(p => p.Action == AuthorizationAction.Deny).Select(p => new CompiledPolicy(p, http)).ToArray();
        allow = enforced.Where(p => p.Action == AuthorizationAction.Allow).Select(p => new CompiledPolicy(p, http)).ToArray();
    }

    public bool IsEmpty => deny.Length == 0 && allow.Length == 0;

    public AuthorizationDecision Decide(AuthorizationInput input)
    {
        foreach (var policy in deny)
        {
            if (policy.MatchingRule(input) is { } rule)
            {
                return new AuthorizationDecision(false, $"rbac_access_denied_matched_policy[{policy.Name}-rule[{rule}]]", $"denied by DENY {policy.Describe(rule)}");
            }
        }

        if (allow.Length == 0)
        {
            return new AuthorizationDecision(true, "", deny.Length == 0 ? "allowed: no policy" : "allowed: no DENY rule matched and there is no ALLOW policy");
        }

        foreach (var policy in allow)
        {
            if (policy.MatchingRule(input) is { } rule)
            {
                return new AuthorizationDecision(true, "", $"allowed by ALLOW {policy.Describe(rule)}");
            }
        }

        return new AuthorizationDecision(false, "rbac_access_denied_matched_policy[none]",
            $"denied: no rule of the ALLOW policies matched ({string.Join(", ", allow.Select(p => p.Describe(null)))})");
    }

    private sealed class CompiledPolicy(AuthorizationPolicy policy, bool http)
    {
        private readonly CompiledRule[] rules = policy.Rules.Select(r => new CompiledRule(r, http, policy.Action == AuthorizationAction.Deny)).ToArray();

        public string Name { get; } = $"ns[{policy.Name.Split('/')[0]}]-policy[{policy.Name.Split('/')[^1]}]";

        public string Describe(int? rule) => $"{policy.Name}{(rule is { } r ? $" rule {r}" : "")} ({policy.Source})";

        public int? MatchingRule(AuthorizationInput input)
        {
            for (var i = 0; i < rules.Length; i++)
            {
                if (rules[i].Matches(input))
                {
                    return i;
                }
            }

            return null;
        }
    }

    private sealed class CompiledRule
    {
        private readonly CompiledSource[] from;
        private readonly CompiledOperation[] to;
        private readonly CompiledCondition[] when;
        private readonly bool never;

        public CompiledRule(AuthorizationRule rule, bool http, bool denying)
        {
            from = rule.From.Select(s => new CompiledSource(s, http, denying)).ToArray();
            to = rule.To.Select(o => new CompiledOperation(o, http, denying)).ToArray();
            when = rule.When.Select(c => new CompiledCondition(c, http, denying)).ToArray();
            // on TCP an ALLOW rule that needs HTTP attributes is left out
            never = !http && !denying && (from.Any(s => s.NeedsHttp) || to.Any(o => o.NeedsHttp) || when.Any(c => c.NeedsHttp));
        }

        public bool Matches(AuthorizationInput input) =>
            !never &&
            (from.Length == 0 || from.Any(s => s.Matches(input))) &&
            (to.Length == 0 || to.Any(o => o.Matches(input))) &&
            when.All(c => c.Matches(input));
    }

    private sealed class CompiledSource(AuthorizationSource s, bool http, bool denying)
    {
        private readonly PolicyValueSet principals = new(s.Principals, ValueKind.Text);
        private readonly PolicyValueSet serviceAccounts = new(s.ServiceAccounts, ValueKind.Text);
        private readonly PolicyValueSet trustDomains = new(s.TrustDomains, ValueKind.Text);
        private readonly PolicyValueSet requestPrincipals = new(s.RequestPrincipals, ValueKind.Text);
        private readonly PolicyValueSet namespaces = new(s.Namespaces, ValueKind.Text);
        private readonly PolicyValueSet ipBlocks = new(s.IpBlocks, ValueKind.Ip);
        private readonly PolicyValueSet remoteIpBlocks = new(s.RemoteIpBlocks, ValueKind.Ip);

        public bool NeedsHttp => requestPrincipals.IsSet;

        public bool Matches(AuthorizationInput input) =>
            principals.Matches(input.Principal) && serviceAccounts.Matches(input.Principal) && trustDomains.Matches(input.Principal) &&
            namespaces.Matches(input.PeerNamespace) &&
            ipBlocks.Matches(input.SourceIp) && remoteIpBlocks.Matches(input.RemoteIp) &&
            (!requestPrincipals.IsSet || (http ? requestPrincipals.Matches(input.Jwt?.Principal) : denying));
    }

    private sealed class CompiledOperation(AuthorizationOperation o, bool http, bool denying)
    {
        private readonly PolicyValueSet hosts = new(o.Hosts, ValueKind.Host);
        private readonly PolicyValueSet ports = new(o.Ports, ValueKind.Text);
        private readonly PolicyValueSet methods = new(o.Methods, ValueKind.Text);
        private readonly PolicyValueSet paths = new(o.Paths, ValueKind.Path);

        public bool NeedsHttp => hosts.IsSet || methods.IsSet || paths.IsSet;

        public bool Matches(AuthorizationInput input) =>
            ports.Matches(input.DestinationPort.ToString(CultureInfo.InvariantCulture)) &&
            (http
                ? hosts.Matches(input.Host) && methods.Matches(input.Method) && paths.Matches(input.Path)
                : !NeedsHttp || denying);
    }

    private sealed class CompiledCondition
    {
        private readonly string key;
        private readonly PolicyValueSet match;
        private readonly bool http;
        private readonly bool denying;
        private readonly string? header;
        private readonly string[]? claimPath;

        public CompiledCondition(AuthorizationCondition c, bool http, bool denying)
        {
            key = c.Key;
            this.http = http;
            this.denying = denying;
            var ip = key is "source.ip" or "remote.ip" or "destination.ip";
            match = new PolicyValueSet(c.Match, ip ? ValueKind.Ip : ValueKind.Text);
            if (key.StartsWith("request.headers[", StringComparison.Ordinal) && key.EndsWith(']'))
            {
                header = key["request.headers[".Length..^1];
            }
            else if (key.StartsWith("request.auth.claims[", StringComparison.Ordinal) && key.EndsWith(']'))
            {
                claimPath = key["request.auth.claims[".Length..^1].Split("][");
            }
        }

        public bool NeedsHttp => header is not null || claimPath is not null || key.StartsWith("request.", StringComparison.Ordinal);

        public bool Matches(AuthorizationInput input)
        {
            if (NeedsHttp && !http)
            {
                return denying;
            }

            if (claimPath is not null)
            {
                return input.Jwt is { } jwt ? match.MatchesAny(jwt.Claim(claimPath)) : match.Matches(null);
            }

            return key switch
            {
                _ when header is not null => match.Matches(input.Header(header)),
                "source.ip" => match.Matches(input.SourceIp),
                "remote.ip" => match.Matches(input.RemoteIp),
                "destination.ip" => match.Matches(input.DestinationIp),
                "destination.port" => match.Matches(input.DestinationPort.ToString(CultureInfo.InvariantCulture)),
                "source.namespace" => match.Matches(input.PeerNamespace),
                "source.principal" => match.Matches(input.Principal),
                "connection.sni" => match.Matches(input.ServerName),
                "request.auth.principal" => match.Matches(input.Jwt?.Principal),
                "request.auth.audiences" => input.Jwt is { } j ? match.MatchesAny(j.Audiences) : match.Matches(null),
                "request.auth.presenter" => match.Matches(input.Jwt?.Presenter),
                _ => false, // a key validation did not know: never matches (and never widens an ALLOW)
            };
        }
    }
}
