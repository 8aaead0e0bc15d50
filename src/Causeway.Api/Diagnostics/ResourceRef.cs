namespace Causeway.Api.Diagnostics;

/// <summary>Names a resource the way Istio's analyzer does: <c>Kind namespace/name</c> (namespace omitted when the YAML has none).</summary>
public sealed record ResourceRef(string Kind, string? Namespace, string Name)
{
    public override string ToString() =>
        string.IsNullOrEmpty(Namespace) ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}
