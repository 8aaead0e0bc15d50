using System.Globalization;

namespace Causeway.Api.Loading;

internal enum YamlScalarType
{
    Null,
    Bool,
    Int,
    Float,
    String,
}

/// <summary>
/// Resolves a plain scalar's type with the YAML 1.2 core schema (what Kubernetes' YAML-to-JSON step does for the
/// common cases): quoted scalars and <c>!!str</c> are strings; plain ones may be null, booleans or numbers.
/// </summary>
internal static class YamlScalarTypes
{
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    public static YamlScalarType Classify(YamlScalar s)
    {
        if (s.Tag is "tag:yaml.org,2002:str" or "!!str" || !s.Plain)
        {
            return YamlScalarType.String;
        }

        var v = s.Value;
        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return YamlScalarType.Null;
            case "true" or "True" or "TRUE" or "false" or "False" or "FALSE":
                return YamlScalarType.Bool;
            case ".inf" or "+.inf" or "-.inf" or ".Inf" or ".INF" or ".nan" or ".NaN" or ".NAN":
                return YamlScalarType.Float;
        }

        if (IsInt(v))
        {
            return YamlScalarType.Int;
        }

        return IsFloat(v) ? YamlScalarType.Float : YamlScalarType.String;
    }

    public static bool IsTrue(string v) => v is "true" or "True" or "TRUE";

    /// <summary>The integer value of an integer scalar (decimal, 0x hex or 0o octal), if it fits in 64 bits.</summary>
    public static bool TryGetInteger(string v, out long value)
    {
        if (v.StartsWith("0x", StringComparison.Ordinal))
        {
            return long.TryParse(v.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        if (v.StartsWith("0o", StringComparison.Ordinal))
        {
            value = 0;
            foreach (var c in v.AsSpan(2))
            {
                if (value > long.MaxValue / 8)
                {
                    return false;
                }

                value = (value * 8) + (c - '0');
            }

            return true;
        }

        return long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsInt(string v)
    {
        var span = v.AsSpan();
        if (span.StartsWith("0x"))
        {
            return span.Length > 2 && !span[2..].ContainsAnyExcept(HexDigits);
        }

        if (span.StartsWith("0o"))
        {
            return span.Length > 2 && !span[2..].ContainsAnyExceptInRange('0', '7');
        }

        if (span.Length > 0 && (span[0] == '-' || span[0] == '+'))
        {
            span = span[1..];
        }

        return span.Length > 0 && !span.ContainsAnyExceptInRange('0', '9');
    }

    private static bool IsFloat(string v)
    {
        // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
        var i = 0;
        if (i < v.Length && (v[i] == '-' || v[i] == '+'))
        {
            i++;
        }

        var digits = 0;
        while (i < v.Length && char.IsAsciiDigit(v[i]))
        {
            i++;
            digits++;
        }

        if (i < v.Length && v[i] == '.')
        {
            i++;
            while (i < v.Length && char.IsAsciiDigit(v[i]))
            {
                i++;
                digits++;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        if (i < v.Length && (v[i] == 'e' || v[i] == 'E'))
        {
            i++;
            if (i < v.Length && (v[i] == '-' || v[i] == '+'))
            {
                i++;
            }

            var exp = 0;
            while (i < v.Length && char.IsAsciiDigit(v[i]))
            {
                i++;
                exp++;
            }

            if (exp == 0)
            {
                return false;
            }
        }

        return i == v.Length;
    }
}
