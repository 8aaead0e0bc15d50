using System.Text.RegularExpressions;
using Causeway.Expressions;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Routing;

/// <summary>
/// A route's path rewrite, compiled once per snapshot: Istio's <c>rewrite.uri</c> (the matched prefix replaced
/// after a prefix match, otherwise the whole path) or <c>uriRegexRewrite</c> (an RE2 pattern on the non-backtracking
/// engine, its <c>\1</c> substitution already turned into .NET's <c>${1}</c>). Null stands for "no rewrite".
/// </summary>
public sealed class PathRewrite
{
    private readonly string? uri;
    private readonly string matchedPrefix;
    private readonly Regex? regex;
    private readonly string substitution;

    private PathRewrite(string? uri, string matchedPrefix, Regex? regex, string substitution)
    {
        this.uri = uri;
        this.matchedPrefix = matchedPrefix;
        this.regex = regex;
        this.substitution = substitution;
    }

    public static PathRewrite? Compile(RouteAction? forward)
    {
        if (forward is null)
        {
            return null;
        }

        if (forward.RewriteUri.Length > 0)
        {
            return new PathRewrite(forward.RewriteUri, forward.RewriteMatchedPrefix, null, "");
        }

        if (forward.RegexRewrite is { } rr)
        {
            return new PathRewrite(null, "", new Regex(Re2Syntax.ToDotNet(rr.Pattern), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant), ToDotNetSubstitution(rr.Substitution));
        }

        return null;
    }

    /// <summary>The rewritten path (without the query).</summary>
    public string Apply(string path)
    {
        if (uri is not null)
        {
            return matchedPrefix.Length > 0 && path.StartsWith(matchedPrefix, StringComparison.Ordinal) ? uri + path[matchedPrefix.Length..] : uri;
        }

        return regex!.Replace(path, substitution);
    }

    /// <summary>RE2 substitutions write groups as <c>\1</c>; .NET writes <c>${1}</c>, and a literal <c>$</c> as <c>$$</c>.</summary>
    internal static string ToDotNetSubstitution(string s) => Regex.Replace(s.Replace("$", "$$", StringComparison.Ordinal), @"\\(\d)", "$${$1}");
}
