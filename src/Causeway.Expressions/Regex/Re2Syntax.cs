using System.Text;
using System.Text.RegularExpressions;

namespace Causeway.Expressions;

/// <summary>
/// Checks that a pattern is valid RE2 (what Envoy and Istio use). RE2 has no backreferences, lookarounds, atomic
/// groups, balancing groups, conditionals or possessive quantifiers; those are rejected by name. That is exactly what
/// .NET's non-backtracking engine cannot run either, so the rest only needs a syntax check, done by parsing with the
/// default engine (building the non-backtracking automaton costs ~1 ms a pattern and is left to the proxy, once per
/// snapshot). Results are cached per pattern, as configs repeat them.
/// </summary>
public static class Re2Syntax
{
    public const int MaxPatternLength = 100_000;

    private const int MaxCached = 10_000;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    /// <summary>Returns null when the pattern is valid RE2, otherwise why not.</summary>
    public static string? Validate(string pattern)
    {
        if (Cache.TryGetValue(pattern, out var cached))
        {
            return cached.Length == 0 ? null : cached;
        }

        var result = Check(pattern);
        if (Cache.Count < MaxCached)
        {
            Cache.TryAdd(pattern, result ?? "");
        }

        return result;
    }

    private static string? Check(string pattern)
    {
        if (pattern.Length > MaxPatternLength)
        {
            return $"pattern longer than {MaxPatternLength} characters";
        }

        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 >= pattern.Length)
                {
                    return "trailing backslash";
                }

                var next = pattern[i + 1];
                if (!inClass && next is >= '1' and <= '9')
                {
                    return $"backreference \\{next} is not supported by RE2";
                }

                if (!inClass && next == 'k' && i + 2 < pattern.Length && pattern[i + 2] is '<' or '{' or '\'')
                {
                    return "named backreference is not supported by RE2";
                }

                if (next is 'Z' or 'G')
                {
                    return $"\\{next} is not supported by RE2";
                }

                i++;
                continue;
            }

            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }

                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        i++;
                    }

                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        i++; // a leading ']' is a literal
                    }

                    break;
                case '(' when i + 2 < pattern.Length && pattern[i + 1] == '?':
                    var rest = pattern.AsSpan(i + 2);
                    if (rest.StartsWith("=") || rest.StartsWith("!"))
                    {
                        return "lookahead (?= or (?! is not supported by RE2";
                    }

                    if (rest.StartsWith("<=") || rest.StartsWith("<!"))
                    {
                        return "lookbehind (?<= or (?<! is not supported by RE2";
                    }

                    if (rest.StartsWith(">"))
                    {
                        return "atomic group (?> is not supported by RE2";
                    }

                    if (rest.StartsWith("("))
                    {
                        return "conditional (?( is not supported by RE2";
                    }

                    if (rest.Length > 1 && rest[0] is '<' or '\'' && rest[1] is not ('=' or '!') && IsBalancingGroup(rest[1..]))
                    {
                        return "balancing group (?<a-b> is not supported by RE2";
                    }

                    break;
                case '+' when i > 0 && pattern[i - 1] is '*' or '+' or '?' or '}' && !IsEscaped(pattern, i - 1):
                    return "possessive quantifier is not supported by RE2";
            }
        }

        if (inClass)
        {
            return "missing closing ]";
        }

        try
        {
            _ = new Regex(ToDotNet(pattern), RegexOptions.CultureInvariant);
            return null;
        }
        catch (ArgumentException ex)
        {
            var message = ex.Message;
            var at = message.IndexOf(" at offset", StringComparison.Ordinal);
            var reason = message.IndexOf(" - ", StringComparison.Ordinal);
            return reason > 0 ? message[(reason + 3)..] : at > 0 ? message[..at] : message;
        }
    }

    /// <summary>Translates RE2-only syntax to .NET's: <c>(?P&lt;name&gt;</c> becomes <c>(?&lt;name&gt;</c>.</summary>
    public static string ToDotNet(string pattern) =>
        pattern.Contains("(?P<", StringComparison.Ordinal) ? new StringBuilder(pattern).Replace("(?P<", "(?<").ToString() : pattern;

    /// <summary>A group name of the form <c>a-b</c> (or <c>-b</c>) before the closing '&gt;' or quote.</summary>
    private static bool IsBalancingGroup(ReadOnlySpan<char> afterOpen)
    {
        var end = afterOpen.IndexOfAny('>', '\'');
        return end > 0 && afterOpen[..end].Contains('-');
    }

    private static bool IsEscaped(string s, int index)
    {
        var backslashes = 0;
        for (var j = index - 1; j >= 0 && s[j] == '\\'; j--)
        {
            backslashes++;
        }

        return backslashes % 2 == 1;
    }
}
