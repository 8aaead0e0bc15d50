using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Telemetry;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0157: a Telemetry access-logging entry names no provider and is not a "disabled" switch. With no default
/// provider in the mesh config there is nothing to send the logs to, so the entry is ignored.
/// Mirrors Istio's telemetry.ProviderAnalyzer.
/// </summary>
internal sealed class TelemetryProviderAnalyzer : IAnalyzer
{
    public string Name => "telemetry.ProviderAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.InvalidTelemetryProvider];

    public void Analyze(AnalysisContext ctx)
    {
        foreach (var (source, t) in ctx.OfKind<Telemetry>())
        {
            var logging = t.Spec.AccessLogging ?? [];
            for (var i = 0; i < logging.Count; i++)
            {
                if (logging[i].Providers is null or { Count: 0 } && logging[i].Disabled != true)
                {
                    ctx.Report(MessageTypes.InvalidTelemetryProvider, source,
                        $"The Telemetry {ctx.NamespaceOf(source)}/{t.Name} has empty providers and the mesh config has no default provider; this entry will be ignored.",
                        ValidationPaths.Spec.Field("accessLogging").At(i), "name a provider (for example envoy), or set disabled: true");
                    break;
                }
            }
        }
    }
}
