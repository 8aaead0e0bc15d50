using Causeway.Api.Model.Networking;

namespace Causeway.Translation;

/// <summary>
/// The DestinationRule settings that apply to one host for one proxy, after lookup and merging: the first
/// top-level trafficPolicy found, and subsets (the first definition of a name wins), with where they came from.
/// </summary>
internal sealed record EffectiveDestinationRule(TrafficPolicy? Policy, IReadOnlyDictionary<string, Subset> Subsets, string Source)
{
    public static readonly EffectiveDestinationRule None = new(null, new Dictionary<string, Subset>(), "");
}
