using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Validation;

/// <summary>Policies attach either by workload selector or by target references, never both.</summary>
internal static class TargetValidation
{
    private static readonly string[] TargetKinds = ["Gateway", "GatewayClass", "Service", "ServiceEntry"];

    public static void SelectorOrTargets(ValidationContext ctx, FieldPath p, WorkloadSelector? selector, PolicyTargetReference? targetRef, List<PolicyTargetReference>? targetRefs)
    {
        if (selector is not null && (targetRef is not null || targetRefs is { Count: > 0 }))
        {
            ctx.Error(p, "selector and targetRef/targetRefs are mutually exclusive");
        }

        if (targetRef is not null && targetRefs is { Count: > 0 })
        {
            ctx.Error(p, "targetRef and targetRefs are mutually exclusive", "targetRef is deprecated: use targetRefs");
        }

        if (selector?.MatchLabels is { } labels)
        {
            ctx.Selector(p.Field("selector").Field("matchLabels"), labels);
        }

        if (targetRefs is { Count: > 16 })
        {
            ctx.Error(p.Field("targetRefs"), "at most 16 targetRefs");
        }

        var refs = targetRefs ?? (targetRef is null ? [] : [targetRef]);
        var refPath = targetRefs is not null ? p.Field("targetRefs") : p.Field("targetRef");
        for (var i = 0; i < refs.Count; i++)
        {
            var r = refs[i];
            var rp = targetRefs is not null ? refPath.At(i) : refPath;
            ctx.Required(rp.Field("kind"), r.Kind);
            ctx.Required(rp.Field("name"), r.Name);
            if (r.Kind is { Length: > 0 } kind && !TargetKinds.Contains(kind))
            {
                ctx.Error(rp.Field("kind"), $"targetRef kind \"{kind}\" is not supported", $"use one of {string.Join(", ", TargetKinds)}");
            }
        }
    }
}
