using Causeway.Api.Loading;
using Causeway.Api.Model.Common;
using Causeway.Api.Model.Security;
using Causeway.Protocol.V1;
using Causeway.Translation.Mesh;
using Causeway.Translation.Registry;
using ProtoAction = Causeway.Protocol.V1.AuthorizationAction;
using ProtoPolicy = Causeway.Protocol.V1.AuthorizationPolicy;
using ProtoRule = Causeway.Protocol.V1.AuthorizationRule;
using ProtoJwtRule = Causeway.Protocol.V1.JwtRule;

namespace Causeway.Translation;

/// <summary>
/// The AuthorizationPolicies and RequestAuthentications that apply to a proxy, as Istio selects them: those in the
/// root namespace apply mesh-wide (to every workload their selector matches, or all), those in the proxy's
/// namespace to it when they have no selector or their selector matches its labels. Pure translation into the
/// snapshot's <see cref="RequestSecurity"/>; the proxy compiles and enforces it.
/// </summary>
internal static class RequestSecurityPolicy
{
    public const string DryRunAnnotation = "istio.io/dry-run";

    public static RequestSecurity? For(MeshState mesh, ProxyRequest proxy, ICollection<string> notices)
    {
        var security = new RequestSecurity();
        foreach (var (source, policy) in Selecting<Api.Model.Security.AuthorizationPolicy>(mesh, proxy, p => (p.Spec.Selector, p.Spec.TargetRef, p.Spec.TargetRefs), notices))
        {
            security.Authorization.Add(Translate(mesh, source, policy, notices));
        }

        foreach (var (source, authn) in Selecting<RequestAuthentication>(mesh, proxy, r => (r.Spec.Selector, r.Spec.TargetRef, r.Spec.TargetRefs), notices))
        {
            foreach (var rule in authn.Spec.JwtRules ?? [])
            {
                security.JwtRules.Add(Translate(mesh, source, authn, rule, notices));
            }
        }

        if (security.Authorization.Count == 0 && security.JwtRules.Count == 0)
        {
            return null;
        }

        // Istio applies gatewayTopology to gateways; a sidecar trusts only its peer
        security.NumTrustedProxies = proxy.Role == ProxyRole.Gateway ? mesh.Settings.NumTrustedProxies : 0;
        return security;
    }

    private static IEnumerable<(LoadedResource Source, T Resource)> Selecting<T>(MeshState mesh, ProxyRequest proxy,
        Func<T, (WorkloadSelector? Selector, PolicyTargetReference? TargetRef, List<PolicyTargetReference>? TargetRefs)> scope, ICollection<string> notices)
        where T : Resource
    {
        foreach (var loaded in mesh.Resources.Where(r => r.Resource is T).OrderBy(r => r.Resource.DeclaredNamespace, StringComparer.Ordinal).ThenBy(r => r.Resource.Name, StringComparer.Ordinal))
        {
            var resource = (T)loaded.Resource;
            var ns = mesh.Names.NamespaceOf(resource);
            if (ns != mesh.Names.RootNamespace && ns != proxy.Namespace)
            {
                continue;
            }

            var (selector, targetRef, targetRefs) = scope(resource);
            if (targetRef is not null || targetRefs is { Count: > 0 })
            {
                // targetRefs name Gateway API gateways and waypoints, which this mesh does not run
                notices.Add($"{resource.Kind} {ns}/{resource.Name}: targetRefs are not supported; the policy is left out");
                continue;
            }

            if (selector?.MatchLabels is { Count: > 0 } labels && !ServiceEntryRegistry.Matches(labels, proxy.Labels))
            {
                continue;
            }

            yield return (loaded, resource);
        }
    }

    private static ProtoPolicy Translate(MeshState mesh, LoadedResource source, Api.Model.Security.AuthorizationPolicy policy, ICollection<string> notices)
    {
        var name = $"{mesh.Names.NamespaceOf(policy)}/{policy.Name}";
        var action = policy.Spec.Action ?? Api.Model.Security.AuthorizationAction.Allow;
        var translated = new ProtoPolicy
        {
            Name = name,
            Source = $"{Path.GetFileName(source.File)}:{source.Line}",
            DryRun = policy.Annotations.TryGetValue(DryRunAnnotation, out var dry) && string.Equals(dry, "true", StringComparison.OrdinalIgnoreCase),
            Action = action switch
            {
                Api.Model.Security.AuthorizationAction.Deny => ProtoAction.Deny,
                Api.Model.Security.AuthorizationAction.Audit => ProtoAction.Audit,
                // No external authorizer can be reached from here: fail closed, as Istio does when a CUSTOM
                // policy's provider is missing, by denying what the policy would have sent to it.
                Api.Model.Security.AuthorizationAction.Custom => ProtoAction.Deny,
                _ => ProtoAction.Allow,
            },
        };
        if (action == Api.Model.Security.AuthorizationAction.Custom)
        {
            notices.Add($"AuthorizationPolicy {name}: CUSTOM (provider {policy.Spec.Provider?.Name}) needs an external authorizer, which is not supported; the requests it selects are denied (fail closed)");
        }

        foreach (var rule in policy.Spec.Rules ?? [])
        {
            var r = new ProtoRule();
            foreach (var from in rule.From ?? [])
            {
                var s = from.Source ?? new Source();
                r.From.Add(new AuthorizationSource
                {
                    Principals = Values(s.Principals, s.NotPrincipals),
                    RequestPrincipals = Values(s.RequestPrincipals, s.NotRequestPrincipals),
                    Namespaces = Values(s.Namespaces, s.NotNamespaces),
                    IpBlocks = Values(s.IpBlocks, s.NotIpBlocks),
                    RemoteIpBlocks = Values(s.RemoteIpBlocks, s.NotRemoteIpBlocks),
                    // ns/sa is the principal's tail in any trust domain; a trust domain is its head
                    ServiceAccounts = Values(s.ServiceAccounts?.Select(a => "*/ns/" + a.Replace("/", "/sa/", StringComparison.Ordinal)), s.NotServiceAccounts?.Select(a => "*/ns/" + a.Replace("/", "/sa/", StringComparison.Ordinal))),
                    TrustDomains = Values(s.TrustDomains?.Select(t => t + "/*"), s.NotTrustDomains?.Select(t => t + "/*")),
                });
            }

            foreach (var to in rule.To ?? [])
            {
                var o = to.Operation ?? new Operation();
                r.To.Add(new AuthorizationOperation
                {
                    Hosts = Values(o.Hosts, o.NotHosts),
                    Ports = Values(o.Ports, o.NotPorts),
                    Methods = Values(o.Methods, o.NotMethods),
                    Paths = Values(o.Paths, o.NotPaths),
                });
            }

            foreach (var when in rule.When ?? [])
            {
                r.When.Add(new AuthorizationCondition { Key = when.Key ?? "", Match = Values(when.Values, when.NotValues) ?? new ValueMatch() });
            }

            translated.Rules.Add(r);
        }

        return translated;
    }

    private static ProtoJwtRule Translate(MeshState mesh, LoadedResource source, RequestAuthentication authn, Api.Model.Security.JwtRule rule, ICollection<string> notices)
    {
        var name = $"{mesh.Names.NamespaceOf(authn)}/{authn.Name}";
        var translated = new ProtoJwtRule
        {
            Issuer = rule.Issuer ?? "",
            Jwks = rule.Jwks ?? "",
            OutputPayloadToHeader = rule.OutputPayloadToHeader ?? "",
            ForwardOriginalToken = rule.ForwardOriginalToken ?? false,
            Source = $"{name} ({Path.GetFileName(source.File)}:{source.Line})",
        };
        translated.Audiences.Add(rule.Audiences ?? []);
        translated.FromHeaders.Add((rule.FromHeaders ?? []).Select(h => new Protocol.V1.JwtHeader { Name = h.Name ?? "", Prefix = h.Prefix ?? "" }));
        translated.FromParams.Add(rule.FromParams ?? []);
        translated.OutputClaimToHeaders.Add((rule.OutputClaimToHeaders ?? []).Select(c => new JwtClaimToHeader { Header = c.Header ?? "", Claim = c.Claim ?? "" }));
        if (rule.JwksUri is { Length: > 0 } uri)
        {
            if (mesh.Jwks.TryGetValue(uri, out var fetched) && fetched.Error is null)
            {
                translated.Jwks = fetched.Keys;
            }
            else
            {
                // Istio's behaviour when istiod cannot fetch the keys: every token of this issuer fails (401)
                notices.Add($"RequestAuthentication {name}: jwksUri {uri} could not be fetched ({(fetched?.Error ?? "not fetched yet")}); tokens from {rule.Issuer} are rejected until it can be");
            }
        }

        translated.FromCookies.Add(rule.FromCookies ?? []);
        return translated;
    }

    private static ValueMatch? Values(IEnumerable<string>? values, IEnumerable<string>? notValues)
    {
        if (values is null && notValues is null)
        {
            return null;
        }

        var match = new ValueMatch();
        match.Values.Add(values ?? []);
        match.NotValues.Add(notValues ?? []);
        return match;
    }
}
