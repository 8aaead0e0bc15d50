using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Security;

namespace Causeway.Api.Validation;

/// <summary>Istio's admission rules for AuthorizationPolicy (field combinations, value syntax, condition keys).</summary>
internal sealed class AuthorizationPolicyValidator : ResourceValidator<AuthorizationPolicy>
{
    /// <summary>Condition keys from istio.io/docs/reference/config/security/conditions.</summary>
    private static readonly string[] ConditionKeys =
    [
        "request.headers", "source.ip", "remote.ip", "source.namespace", "source.principal", "request.auth.principal",
        "request.auth.audiences", "request.auth.presenter", "request.auth.claims", "destination.ip", "destination.port",
        "connection.sni", "experimental.envoy.filters",
    ];

    protected override void Validate(AuthorizationPolicy ap, ValidationContext ctx)
    {
        var p = ValidationContext.Spec;
        var spec = ap.Spec;
        var action = spec.Action ?? AuthorizationAction.Allow;
        TargetValidation.SelectorOrTargets(ctx, p, spec.Selector, spec.TargetRef, spec.TargetRefs);

        if (action == AuthorizationAction.Custom && spec.Provider?.Name is null or "")
        {
            ctx.Error(p.Field("provider"), "action CUSTOM needs a provider name");
        }

        if (action != AuthorizationAction.Custom && spec.Provider is not null)
        {
            ctx.Error(p.Field("provider"), "provider is only allowed with action CUSTOM");
        }

        if (spec.Rules is { Count: > 512 })
        {
            ctx.Error(p.Field("rules"), "at most 512 rules");
        }

        for (var i = 0; i < (spec.Rules?.Count ?? 0); i++)
        {
            var rule = spec.Rules![i];
            var rp = p.Field("rules").At(i);
            for (var j = 0; j < (rule.From?.Count ?? 0); j++)
            {
                var from = rule.From![j];
                var fp = rp.Field("from").At(j);
                if (from.Source is null)
                {
                    ctx.Error(fp.Field("source"), "from.source is required");
                    continue;
                }

                ValidateSource(ctx, fp.Field("source"), from.Source);
            }

            for (var j = 0; j < (rule.To?.Count ?? 0); j++)
            {
                var to = rule.To![j];
                var tp = rp.Field("to").At(j);
                if (to.Operation is null)
                {
                    ctx.Error(tp.Field("operation"), "to.operation is required");
                    continue;
                }

                ValidateOperation(ctx, tp.Field("operation"), to.Operation);
            }

            for (var j = 0; j < (rule.When?.Count ?? 0); j++)
            {
                ValidateCondition(ctx, rp.Field("when").At(j), rule.When![j]);
            }
        }
    }

    private static void ValidateSource(ValidationContext ctx, FieldPath p, Source s)
    {
        var fields = new (string Name, List<string>? Values)[]
        {
            ("principals", s.Principals), ("notPrincipals", s.NotPrincipals), ("requestPrincipals", s.RequestPrincipals),
            ("notRequestPrincipals", s.NotRequestPrincipals), ("namespaces", s.Namespaces), ("notNamespaces", s.NotNamespaces),
            ("serviceAccounts", s.ServiceAccounts), ("notServiceAccounts", s.NotServiceAccounts), ("ipBlocks", s.IpBlocks),
            ("notIpBlocks", s.NotIpBlocks), ("remoteIpBlocks", s.RemoteIpBlocks), ("notRemoteIpBlocks", s.NotRemoteIpBlocks),
            ("trustDomains", s.TrustDomains), ("notTrustDomains", s.NotTrustDomains),
        };
        if (fields.All(f => f.Values is null))
        {
            ctx.Error(p, "source must set at least one field");
        }

        foreach (var (name, values) in fields)
        {
            ValidateValues(ctx, p.Field(name), values);
        }

        foreach (var (name, values) in fields.Where(f => f.Name.EndsWith("pBlocks", StringComparison.Ordinal)))
        {
            for (var i = 0; i < (values?.Count ?? 0); i++)
            {
                if (!Names.IsIpOrCidr(values![i]))
                {
                    ctx.Error(p.Field(name).At(i), $"invalid IP or CIDR \"{values[i]}\"");
                }
            }
        }

        var hasSa = s.ServiceAccounts is not null || s.NotServiceAccounts is not null;
        if (hasSa && (s.Principals ?? s.NotPrincipals ?? s.Namespaces ?? s.NotNamespaces) is not null)
        {
            ctx.Error(p, "serviceAccounts cannot be combined with principals or namespaces in one source");
        }

        foreach (var (name, values) in new[] { ("serviceAccounts", s.ServiceAccounts), ("notServiceAccounts", s.NotServiceAccounts) })
        {
            for (var i = 0; i < (values?.Count ?? 0); i++)
            {
                var sa = values![i];
                if (sa.Contains('*', StringComparison.Ordinal) || sa.Split('/').Length != 2)
                {
                    ctx.Error(p.Field(name).At(i), $"service account \"{sa}\" must be namespace/name without wildcards");
                }
            }
        }
    }

    private static void ValidateOperation(ValidationContext ctx, FieldPath p, Operation o)
    {
        var fields = new (string Name, List<string>? Values)[]
        {
            ("hosts", o.Hosts), ("notHosts", o.NotHosts), ("ports", o.Ports), ("notPorts", o.NotPorts),
            ("methods", o.Methods), ("notMethods", o.NotMethods), ("paths", o.Paths), ("notPaths", o.NotPaths),
        };
        if (fields.All(f => f.Values is null))
        {
            ctx.Error(p, "operation must set at least one field");
        }

        foreach (var (name, values) in fields)
        {
            ValidateValues(ctx, p.Field(name), values);
        }

        foreach (var (name, values) in new[] { ("ports", o.Ports), ("notPorts", o.NotPorts) })
        {
            for (var i = 0; i < (values?.Count ?? 0); i++)
            {
                if (!uint.TryParse(values![i], out var port) || port is 0 or > 65535)
                {
                    ctx.Error(p.Field(name).At(i), $"\"{values[i]}\" is not a port number (1-65535)");
                }
            }
        }

        foreach (var (name, values) in new[] { ("paths", o.Paths), ("notPaths", o.NotPaths) })
        {
            for (var i = 0; i < (values?.Count ?? 0); i++)
            {
                if (CheckPathTemplate(values![i]) is { } error)
                {
                    ctx.Error(p.Field(name).At(i), error);
                }
            }
        }
    }

    /// <summary>Path templates: <c>{*}</c> is one segment, <c>{**}</c> any number and must be last; no other braces.</summary>
    private static string? CheckPathTemplate(string path)
    {
        if (!path.Contains('{', StringComparison.Ordinal) && !path.Contains('}', StringComparison.Ordinal))
        {
            return null;
        }

        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var seg = segments[i];
            if (seg is "{*}")
            {
                continue;
            }

            if (seg == "{**}")
            {
                if (i != segments.Length - 1)
                {
                    return $"path \"{path}\": {{**}} must be the last segment";
                }

                continue;
            }

            if (seg.Contains('{', StringComparison.Ordinal) || seg.Contains('}', StringComparison.Ordinal))
            {
                return $"path \"{path}\": a template segment must be exactly {{*}} or {{**}}";
            }
        }

        if (path.Contains('*', StringComparison.Ordinal) && path.Replace("{*}", "", StringComparison.Ordinal).Replace("{**}", "", StringComparison.Ordinal).Contains('*', StringComparison.Ordinal))
        {
            return $"path \"{path}\": templates cannot be combined with * wildcards";
        }

        return null;
    }

    private static void ValidateCondition(ValidationContext ctx, FieldPath p, Condition c)
    {
        ctx.Required(p.Field("key"), c.Key);
        if (c.Key is { Length: > 0 } key)
        {
            var known = ConditionKeys.Any(k => key == k || (key.StartsWith(k + "[", StringComparison.Ordinal) && key.EndsWith(']')));
            if (!known)
            {
                ctx.Error(p.Field("key"), $"unknown condition key \"{key}\"", "see istio.io/docs/reference/config/security/conditions");
            }

            if (key is "request.headers" or "request.auth.claims")
            {
                ctx.Error(p.Field("key"), $"\"{key}\" needs a name in brackets, e.g. {key}[x-token]");
            }

            if (key is "source.ip" or "remote.ip" or "destination.ip")
            {
                foreach (var v in (c.Values ?? []).Concat(c.NotValues ?? []))
                {
                    if (!Names.IsIpOrCidr(v))
                    {
                        ctx.Error(p, $"invalid IP or CIDR \"{v}\" for {key}");
                    }
                }
            }

            if (key == "destination.port")
            {
                foreach (var v in (c.Values ?? []).Concat(c.NotValues ?? []))
                {
                    if (!uint.TryParse(v, out var port) || port is 0 or > 65535)
                    {
                        ctx.Error(p, $"\"{v}\" is not a port number for destination.port");
                    }
                }
            }
        }

        if (c.Values is null or { Count: 0 } && c.NotValues is null or { Count: 0 })
        {
            ctx.Error(p, "condition needs values or notValues");
        }
    }

    private static void ValidateValues(ValidationContext ctx, FieldPath p, List<string>? values)
    {
        if (values is { Count: 0 })
        {
            ctx.Error(p, "an empty list matches nothing; remove the field or give values");
        }

        for (var i = 0; i < (values?.Count ?? 0); i++)
        {
            if (values![i].Length == 0)
            {
                ctx.Error(p.At(i), "empty value");
            }
        }
    }
}
