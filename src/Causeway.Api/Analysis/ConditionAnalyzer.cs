using System.Text.Json.Nodes;
using Causeway.Api.Diagnostics;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0171: a controller wrote a negative condition into a resource's status (False status, or reason
/// PartiallyInvalid). Conditions of types that belong to other tools (for example Argo CD's) are ignored.
/// Mirrors Istio's conditions.ConditionAnalyzer.
/// </summary>
internal sealed class ConditionAnalyzer : IAnalyzer
{
    private static readonly HashSet<string> IstioConditionTypes = new(StringComparer.Ordinal)
    {
        "Accepted", "Programmed", "Reconciled", "Ready", "ResolvedRefs", "WaypointAccepted", "ZtunnelAccepted",
        "istio.io/WaypointBound",
    };

    public string Name => "conditions.ConditionAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.NegativeConditionStatus];

    public void Analyze(AnalysisContext ctx)
    {
        foreach (var source in ctx.Resources)
        {
            if (source.Resource.Status is not JsonObject status)
            {
                continue;
            }

            foreach (var condition in Conditions(status))
            {
                var type = condition["type"]?.GetValue<string>() ?? "";
                var value = condition["status"]?.ToString() ?? "";
                var reason = condition["reason"]?.ToString() ?? "";
                if (!IstioConditionTypes.Contains(type))
                {
                    continue;
                }

                if (value == "False" || reason == "PartiallyInvalid")
                {
                    ctx.Report(MessageTypes.NegativeConditionStatus, source,
                        $"Condition {type} is {value} (reason {reason}): {condition["message"]}",
                        Diagnostics.FieldPath.Root.Field("status"), "see the message for what the controller could not do");
                    break;
                }
            }
        }
    }

    private static IEnumerable<JsonObject> Conditions(JsonObject status)
    {
        if (status["conditions"] is JsonArray own)
        {
            foreach (var c in own.OfType<JsonObject>())
            {
                yield return c;
            }
        }

        if (status["parents"] is JsonArray parents)
        {
            foreach (var p in parents.OfType<JsonObject>())
            {
                if (p["conditions"] is JsonArray pc)
                {
                    foreach (var c in pc.OfType<JsonObject>())
                    {
                        yield return c;
                    }
                }
            }
        }
    }
}
