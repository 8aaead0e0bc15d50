using System.Text;
using System.Text.RegularExpressions;

namespace Causeway.Api.Validation;

/// <summary>
/// Checks that a pattern is valid RE2 (what Envoy and Istio use). RE2 has no backreferences, lookarounds, atomic
/// groups or possessive quantifiers; those are rejected by name. The rest is compiled with .NET's non-backtracking
/// engine, which has the same linear-time guarantee, after translating RE2's <c>(?P&lt;name&gt;</c> group syntax.
/// </summary>
public static class Re2Syntax
{
    public const int MaxPatternLength = 100_000;

    /// <summary>Returns null when the pattern is valid RE2, otherwise why not.</summary>
    public static string? Validate(string pattern)
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
            _ = new Regex(ToDotNet(pattern), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
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
