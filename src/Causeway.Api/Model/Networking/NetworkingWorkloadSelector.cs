namespace Causeway.Api.Model.Networking;

/// <summary>
/// networking.istio.io's own <c>WorkloadSelector</c> (field <c>labels</c>), used by Sidecar and ServiceEntry. Not to be
/// confused with istio.type's selector (field <c>matchLabels</c>) that DestinationRule and the security kinds use.
/// </summary>
public sealed class NetworkingWorkloadSelector
{
    public Dictionary<string, string>? Labels { get; set; }
}
