using System.Text.Json.Serialization.Metadata;

namespace Causeway.Api.Loading;

/// <summary>
/// A kind we read: its API group, the versions served, the CLR type, and whether unknown fields are errors
/// (Istio kinds, as Istio's structural CRD schemas) or ignored (Kubernetes kinds, of which we model only what a mesh reads).
/// </summary>
internal sealed record KindInfo(string Group, string Kind, IReadOnlyList<string> Versions, JsonTypeInfo TypeInfo, bool Strict)
{
    public string DefaultApiVersion => Group.Length == 0 ? Versions[0] : $"{Group}/{Versions[0]}";
}
