using System.Globalization;
using System.Text.RegularExpressions;

namespace Causeway.Expressions;

/// <summary>CEL's operators over the value types evaluation uses.</summary>
internal static class CelOps
{
    /// <summary>A namespace left over after evaluation names an attribute that does not exist.</summary>
    public static object? Settle(object? value) => value is CelNamespace ns ? new CelError($"no such attribute: {ns.Name}") : value;

    public static object Equal(object? left, object? right) => (left, right) switch
    {
        (null, null) => true,
        (long a, long b) => a == b,
        (double a, double b) => a == b,
        (long a, double b) => a == b,
        (double a, long b) => a == b,
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        (bool a, bool b) => a == b,
        (TimeSpan a, TimeSpan b) => a == b,
        (IReadOnlyList<object?> a, IReadOnlyList<object?> b) => a.Count == b.Count && a.Zip(b).All(p => Equal(p.First, p.Second) is true),
        _ => false,
    };

    public static int? Compare(object? left, object? right) => (left, right) switch
    {
        (long a, long b) => a.CompareTo(b),
        (double a, double b) => a.CompareTo(b),
        (long a, double b) => ((double)a).CompareTo(b),
        (double a, long b) => a.CompareTo(b),
        (string a, string b) => string.CompareOrdinal(a, b),
        (bool a, bool b) => a.CompareTo(b),
        (TimeSpan a, TimeSpan b) => a.CompareTo(b),
        _ => null,
    };

    public static object Arithmetic(string op, object? left, object? right) => (op, left, right) switch
    {
        ("+", string a, string b) => a + b,
        ("+", long a, long b) => a + b,
        ("-", long a, long b) => a - b,
        ("*", long a, long b) => a * b,
        ("/", long _, 0L) => new CelError("division by zero"),
        ("/", long a, long b) => a / b,
        ("%", long _, 0L) => new CelError("modulus by zero"),
        ("%", long a, long b) => a % b,
        ("+", double a, double b) => a + b,
        ("-", double a, double b) => a - b,
        ("*", double a, double b) => a * b,
        ("/", double a, double b) => a / b,
        _ => new CelError($"no operator {op} for {TypeName(left)} and {TypeName(right)}"),
    };

    /// <summary>CEL's duration("1.5s"): a decimal number of h, m, s, ms, us or ns, in one or more parts ("1m30s").</summary>
    public static object Duration(string text)
    {
        var match = Regex.Match(text, @"^(-?)((?:\d+(?:\.\d+)?(?:h|ms|us|ns|m|s))+)$", RegexOptions.CultureInvariant);
        if (!match.Success)
        {
            return new CelError($"duration(\"{text}\")");
        }

        var total = TimeSpan.Zero;
        foreach (Match part in Regex.Matches(match.Groups[2].Value, @"(\d+(?:\.\d+)?)(h|ms|us|ns|m|s)", RegexOptions.CultureInvariant))
        {
            var n = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                "ms" => TimeSpan.FromMilliseconds(n),
                "us" => TimeSpan.FromMicroseconds(n),
                _ => TimeSpan.FromTicks((long)(n / 100)),
            };
        }

        return match.Groups[1].Value == "-" ? -total : total;
    }

    /// <summary>CEL's <c>matches</c> with a pattern known only at evaluation: RE2 syntax, linear time, unanchored.</summary>
    public static object Matches(string text, string pattern) =>
        Re2Regex(pattern) is { } regex ? regex.IsMatch(text) : new CelError($"matches: invalid RE2 pattern \"{pattern}\"");

    /// <summary>An RE2 pattern on .NET's non-backtracking engine; null when it is not valid RE2.</summary>
    public static Regex? Re2Regex(string pattern)
    {
        if (Re2Syntax.Validate(pattern) is not null)
        {
            return null;
        }

        try
        {
            return new Regex(Re2Syntax.ToDotNet(pattern), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public static object ToText(object? value) => value switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => new CelError($"string() of {TypeName(value)}"),
    };

    public static string TypeName(object? value) => value switch
    {
        null => "null",
        long => "int",
        double => "double",
        string => "string",
        bool => "bool",
        CelMap => "map",
        IReadOnlyList<object?> => "list",
        TimeSpan => "duration",
        CelNamespace ns => ns.Name,
        _ => value.GetType().Name,
    };
}
