using System.Text.RegularExpressions;
using Causeway.Expressions;
using Proto = Causeway.Protocol.V1;

namespace Causeway.Proxy.Routing;

/// <summary>
/// A compiled string match: exact, prefix or regex. Regexes are RE2 patterns run on .NET's non-backtracking engine
/// (linear time, so no pattern can stall the proxy) and, as in Envoy, must match the whole value.
/// </summary>
internal sealed class StringMatcher
{
    private readonly string? exact;
    private readonly string? prefix;
    private readonly Regex? regex;
    private readonly StringComparison comparison;

    private StringMatcher(string? exact, string? prefix, Regex? regex, bool ignoreCase)
    {
        this.exact = exact;
        this.prefix = prefix;
        this.regex = regex;
        comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
    }

    public static StringMatcher? Compile(Proto.StringMatch? m, bool ignoreCase = false)
    {
        if (m is null)
        {
            return null;
        }

        return m.KindCase switch
        {
            Proto.StringMatch.KindOneofCase.Exact => new StringMatcher(m.Exact, null, null, ignoreCase),
            Proto.StringMatch.KindOneofCase.Prefix => new StringMatcher(null, m.Prefix, null, ignoreCase),
            Proto.StringMatch.KindOneofCase.Regex => new StringMatcher(null, null, CompileRegex(m.Regex), false),
            _ => null,
        };
    }

    public static Regex CompileRegex(string pattern) =>
        new($"\\A(?:{Re2Syntax.ToDotNet(pattern)})\\z", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);

    public bool Matches(string value)
    {
        if (exact is not null)
        {
            return string.Equals(value, exact, comparison);
        }

        if (prefix is not null)
        {
            return value.StartsWith(prefix, comparison);
        }

        return regex!.IsMatch(value);
    }
}
