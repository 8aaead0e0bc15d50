using Causeway.Api.Model.Security;

namespace Causeway.Api.Validation;

/// <summary>Istio's admission rules for RequestAuthentication (JWT rules).</summary>
internal sealed class RequestAuthenticationValidator : ResourceValidator<RequestAuthentication>
{
    protected override void Validate(RequestAuthentication ra, ValidationContext ctx)
    {
        var p = ValidationContext.Spec;
        var spec = ra.Spec;
        TargetValidation.SelectorOrTargets(ctx, p, spec.Selector, spec.TargetRef, spec.TargetRefs);
        var issuers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.JwtRules?.Count ?? 0); i++)
        {
            var rule = spec.JwtRules![i];
            var rp = p.Field("jwtRules").At(i);
            ctx.Required(rp.Field("issuer"), rule.Issuer);
            if (rule.Issuer is { Length: > 0 } issuer && !issuers.Add(issuer))
            {
                ctx.Error(rp.Field("issuer"), $"issuer \"{issuer}\" appears in two rules");
            }

            if (rule.Jwks is not null && rule.JwksUri is not null)
            {
                ctx.Error(rp, "jwks and jwksUri are mutually exclusive");
            }

            if (rule.JwksUri is { } uri && !(Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"))
            {
                ctx.Error(rp.Field("jwksUri"), $"jwksUri \"{uri}\" is not an http(s) URL");
            }

            for (var j = 0; j < (rule.FromHeaders?.Count ?? 0); j++)
            {
                var h = rule.FromHeaders![j];
                ctx.Required(rp.Field("fromHeaders").At(j).Field("name"), h.Name);
                if (h.Name is { Length: > 0 } name && !Names.IsHeaderName(name))
                {
                    ctx.Error(rp.Field("fromHeaders").At(j).Field("name"), $"invalid header name \"{name}\"");
                }
            }

            for (var j = 0; j < (rule.FromParams?.Count ?? 0); j++)
            {
                if (rule.FromParams![j].Length == 0)
                {
                    ctx.Error(rp.Field("fromParams").At(j), "empty parameter name");
                }
            }

            for (var j = 0; j < (rule.OutputClaimToHeaders?.Count ?? 0); j++)
            {
                var c = rule.OutputClaimToHeaders![j];
                var cp = rp.Field("outputClaimToHeaders").At(j);
                ctx.Required(cp.Field("header"), c.Header);
                ctx.Required(cp.Field("claim"), c.Claim);
                if (c.Header is { Length: > 0 } header && !Names.IsHeaderName(header))
                {
                    ctx.Error(cp.Field("header"), $"invalid header name \"{header}\"");
                }
            }

            if (rule.OutputPayloadToHeader is { Length: > 0 } payloadHeader && !Names.IsHeaderName(payloadHeader))
            {
                ctx.Error(rp.Field("outputPayloadToHeader"), $"invalid header name \"{payloadHeader}\"");
            }

            ctx.Duration(rp.Field("timeout"), rule.Timeout);
        }
    }
}
