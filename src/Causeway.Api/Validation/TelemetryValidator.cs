using Causeway.Api.Model.Telemetry;

namespace Causeway.Api.Validation;

/// <summary>Istio's admission rules for Telemetry.</summary>
internal sealed class TelemetryValidator : ResourceValidator<Telemetry>
{
    protected override void Validate(Telemetry t, ValidationContext ctx)
    {
        var p = ValidationContext.Spec;
        var spec = t.Spec;
        TargetValidation.SelectorOrTargets(ctx, p, spec.Selector, spec.TargetRef, spec.TargetRefs);
        for (var i = 0; i < (spec.Tracing?.Count ?? 0); i++)
        {
            var tr = spec.Tracing![i];
            var tp = p.Field("tracing").At(i);
            if (tr.RandomSamplingPercentage is { } pct && (pct < 0 || pct > 100))
            {
                ctx.Error(tp.Field("randomSamplingPercentage"), $"randomSamplingPercentage {pct} is out of range (0-100)");
            }

            foreach (var (name, tag) in tr.CustomTags ?? [])
            {
                var set = (tag.Literal is null ? 0 : 1) + (tag.Environment is null ? 0 : 1) + (tag.Header is null ? 0 : 1) + (tag.Formatter is null ? 0 : 1);
                if (set != 1)
                {
                    ctx.Error(tp.Field("customTags").Field(name), "a custom tag needs exactly one of literal, environment, header or formatter");
                }
            }

            ValidateProviders(ctx, tp.Field("providers"), tr.Providers);
        }

        for (var i = 0; i < (spec.Metrics?.Count ?? 0); i++)
        {
            var m = spec.Metrics![i];
            var mp = p.Field("metrics").At(i);
            ValidateProviders(ctx, mp.Field("providers"), m.Providers);
            ctx.Duration(mp.Field("reportingInterval"), m.ReportingInterval);
            for (var j = 0; j < (m.Overrides?.Count ?? 0); j++)
            {
                var o = m.Overrides![j];
                var op = mp.Field("overrides").At(j);
                if (o.Match is { Metric: not null, CustomMetric: not null })
                {
                    ctx.Error(op.Field("match"), "metric and customMetric are mutually exclusive");
                }

                foreach (var (tag, ov) in o.TagOverrides ?? [])
                {
                    if (ov.Operation != TagOperation.Remove && string.IsNullOrEmpty(ov.Value))
                    {
                        ctx.Error(op.Field("tagOverrides").Field(tag).Field("value"), "value is required unless operation is REMOVE");
                    }

                    if (ov.Operation == TagOperation.Remove && !string.IsNullOrEmpty(ov.Value))
                    {
                        ctx.Error(op.Field("tagOverrides").Field(tag).Field("value"), "value must be empty with operation REMOVE");
                    }
                }
            }
        }

        for (var i = 0; i < (spec.AccessLogging?.Count ?? 0); i++)
        {
            var a = spec.AccessLogging![i];
            ValidateProviders(ctx, p.Field("accessLogging").At(i).Field("providers"), a.Providers);
            if (a.Filter is { Expression: null or "" })
            {
                ctx.Error(p.Field("accessLogging").At(i).Field("filter").Field("expression"), "filter expression is empty");
            }
            else if (a.Filter?.Expression is { } expression)
            {
                // A warning, not an error: Istio accepts any string here; a proxy that cannot evaluate it logs every request.
                var problem = Causeway.Expressions.CelAttributes.Check(expression);
                if (problem is not null)
                {
                    ctx.Warning(p.Field("accessLogging").At(i).Field("filter").Field("expression"), $"Causeway cannot evaluate this filter: {problem}", "every request is logged until it is fixed");
                }
            }
        }
    }

    private static void ValidateProviders(ValidationContext ctx, Diagnostics.FieldPath p, List<ProviderRef>? providers)
    {
        for (var i = 0; i < (providers?.Count ?? 0); i++)
        {
            ctx.Required(p.At(i).Field("name"), providers![i].Name);
        }
    }
}
