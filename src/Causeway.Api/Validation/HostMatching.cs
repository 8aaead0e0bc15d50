namespace Causeway.Api.Validation;

/// <summary>Istio's host comparisons: case-insensitive, with <c>*.suffix</c> wildcards and <c>*</c> matching all.</summary>
public static class HostMatching
{
    /// <summary>True when every name <paramref name="inner"/> can match is also matched by <paramref name="outer"/>.</summary>
    public static bool IsSubsetOf(string inner, string outer)
    {
        if (outer == "*" || string.Equals(inner, outer, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (outer.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = outer[1..]; // ".example.com"
            var innerName = inner.StartsWith("*.", StringComparison.Ordinal) ? inner[1..] : inner;
            return innerName.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && (innerName.Length > suffix.Length || inner.StartsWith('*'));
        }

        return false;
    }

    /// <summary>True when some name is matched by both hosts.</summary>
    public static bool Overlap(string a, string b) => IsSubsetOf(a, b) || IsSubsetOf(b, a);
}
