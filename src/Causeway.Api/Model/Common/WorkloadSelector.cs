namespace Causeway.Api.Model.Common;

/// <summary>Selects workloads by labels (Istio's <c>WorkloadSelector</c>; also the <c>selector</c> of policies).</summary>
public sealed class WorkloadSelector
{
    public Dictionary<string, string>? MatchLabels { get; set; }
}
