namespace Causeway.Api.Analysis;

/// <summary>Istio's exportTo rules: empty or <c>*</c> exports to all, <c>.</c> to the own namespace, <c>~</c> to none.</summary>
internal static class Visibility
{
    public static bool IsVisible(IReadOnlyList<string>? exportTo, string ownerNamespace, string viewerNamespace)
    {
        if (exportTo is null || exportTo.Count == 0)
        {
            return true;
        }

        foreach (var e in exportTo)
        {
            if (e == "*" || (e == "." && ownerNamespace == viewerNamespace) || e == viewerNamespace)
            {
                return true;
            }
        }

        return false;
    }
}
