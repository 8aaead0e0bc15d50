namespace Causeway.Api.Analysis;

/// <summary>
/// Istio's exportTo rules: empty or <c>*</c> exports to all namespaces, <c>.</c> to the resource's own, otherwise to
/// the namespaces named.
/// </summary>
internal static class Visibility
{
    /// <summary>The namespaces that see a resource: <c>["*"]</c> for all.</summary>
    public static List<string> Scope(IReadOnlyList<string>? exportTo, string ownNamespace) =>
        exportTo is null or { Count: 0 } || exportTo.Contains("*") ? ["*"] : exportTo.Select(e => e == "." ? ownNamespace : e).Distinct().ToList();

    /// <summary>True when some namespace sees both resources.</summary>
    public static bool Overlap(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Contains("*") || b.Contains("*") || a.Intersect(b).Any();
}
