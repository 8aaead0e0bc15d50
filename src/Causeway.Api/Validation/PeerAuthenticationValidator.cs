using Causeway.Api.Model.Security;

namespace Causeway.Api.Validation;

/// <summary>Istio's admission rules for PeerAuthentication.</summary>
internal sealed class PeerAuthenticationValidator : ResourceValidator<PeerAuthentication>
{
    protected override void Validate(PeerAuthentication pa, ValidationContext ctx)
    {
        var p = ValidationContext.Spec;
        var spec = pa.Spec;
        if (spec.Selector is { } sel)
        {
            ctx.Selector(p.Field("selector").Field("matchLabels"), sel.MatchLabels);
        }

        if (spec.PortLevelMtls is { Count: > 0 })
        {
            if (spec.Selector?.MatchLabels is null or { Count: 0 })
            {
                ctx.Error(p.Field("portLevelMtls"), "portLevelMtls needs a workload selector", "port-level mTLS applies to one workload's ports; add selector.matchLabels");
            }

            foreach (var (port, _) in spec.PortLevelMtls)
            {
                if (!uint.TryParse(port, out var n) || n is 0 or > 65535)
                {
                    ctx.Error(p.Field("portLevelMtls").Field(port), $"\"{port}\" is not a port number (1-65535)");
                }
            }
        }
    }
}
