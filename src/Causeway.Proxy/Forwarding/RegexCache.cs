using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Causeway.Expressions;

namespace Causeway.Proxy.Forwarding;

/// <summary>Compiled (non-backtracking) rewrite patterns, built once per pattern.</summary>
internal static class RegexCache
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    public static Regex Get(string pattern) =>
        Cache.GetOrAdd(pattern, p => new Regex(Re2Syntax.ToDotNet(p), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant));
}
