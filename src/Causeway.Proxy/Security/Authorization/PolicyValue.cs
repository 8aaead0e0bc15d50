using System.Net;
using System.Text.RegularExpressions;

namespace Causeway.Proxy.Security.Authorization;

/// <summary>What a policy value is matched against, which decides how it is read.</summary>
internal enum ValueKind
{
    /// <summary>Istio's string forms: exact, "prefix*", "*suffix", "*" (present, non-empty).</summary>
    Text,

    /// <summary>As text, case-insensitive; a host also matches with any port after it.</summary>
    Host,

    /// <summary>As text, plus the path templates {*} (one segment) and {**} (any number, last only).</summary>
    Path,

    /// <summary>An address or CIDR ("10.0.0.0/8", "1.2.3.4").</summary>
    Ip,
}

/// <summary>One value of an AuthorizationPolicy field, compiled once per snapshot.</summary>
internal sealed class PolicyValue
{
    private readonly string text;
    private readonly Func<string, bool> match;

    public PolicyValue(string value, ValueKind kind)
    {
        text = value;
        match = kind switch
        {
            ValueKind.Ip => Cidr(value),
            ValueKind.Path when value.Contains('{', StringComparison.Ordinal) => Template(value),
            ValueKind.Host => HostMatch(value),
            _ => TextMatch(value, StringComparison.Ordinal),
        };
    }

    public bool Matches(string actual) => match(actual);

    public override string ToString() => text;

    private static Func<string, bool> TextMatch(string v, StringComparison comparison)
    {
        if (v == "*")
        {
            return a => a.Length > 0;
        }

        if (v.Length > 1 && v[0] == '*')
        {
            var suffix = v[1..];
            return a => a.EndsWith(suffix, comparison);
        }

        if (v.Length > 1 && v[^1] == '*')
        {
            var prefix = v[..^1];
            return a => a.StartsWith(prefix, comparison);
        }

        return a => string.Equals(a, v, comparison);
    }

    /// <summary>Istio matches hosts case-insensitively against the Host header, with or without its port.</summary>
    private static Func<string, bool> HostMatch(string v)
    {
        var bare = TextMatch(v, StringComparison.OrdinalIgnoreCase);
        return a =>
        {
            if (bare(a))
            {
                return true;
            }

            var colon = a.LastIndexOf(':');
            return colon > 0 && a[^1] != ']' && bare(a[..colon]);
        };
    }

    /// <summary>{*} is one path segment, {**} any number of them (zero included); the rest is literal.</summary>
    private static Func<string, bool> Template(string v)
    {
        var pattern = "^" + string.Concat(Regex.Split(v, @"(\{\*\*\}|\{\*\})").Select(part => part switch
        {
            "{**}" => ".*",
            "{*}" => "[^/]+",
            _ => Regex.Escape(part),
        })) + "$";
        var regex = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        return a => regex.IsMatch(a);
    }

    private static Func<string, bool> Cidr(string v)
    {
        if (IPNetwork.TryParse(v, out var network))
        {
            return a => IPAddress.TryParse(a, out var ip) && network.Contains(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
        }

        if (IPAddress.TryParse(v, out var single))
        {
            return a => IPAddress.TryParse(a, out var ip) && (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).Equals(single);
        }

        return _ => false; // validation rejects these; a value that cannot match never widens a policy
    }
}

/// <summary>
/// A compiled <c>values</c>/<c>notValues</c> pair: the attribute must match one of the values (when any are given)
/// and none of the not-values. A field that is not set constrains nothing.
/// </summary>
internal sealed class PolicyValueSet
{
    private readonly PolicyValue[] values;
    private readonly PolicyValue[] notValues;

    public PolicyValueSet(Protocol.V1.ValueMatch? match, ValueKind kind)
    {
        values = match?.Values.Select(v => new PolicyValue(v, kind)).ToArray() ?? [];
        notValues = match?.NotValues.Select(v => new PolicyValue(v, kind)).ToArray() ?? [];
    }

    public bool IsSet => values.Length > 0 || notValues.Length > 0;

    /// <summary>One attribute value; null (absent) matches no value and no not-value.</summary>
    public bool Matches(string? actual) =>
        (values.Length == 0 || (actual is not null && values.Any(v => v.Matches(actual)))) &&
        (actual is null || !notValues.Any(v => v.Matches(actual)));

    /// <summary>A list-valued attribute (audiences, an array claim): some element matches, and no element is excluded.</summary>
    public bool MatchesAny(IReadOnlyList<string> actual) =>
        (values.Length == 0 || actual.Any(a => values.Any(v => v.Matches(a)))) &&
        !actual.Any(a => notValues.Any(v => v.Matches(a)));
}
