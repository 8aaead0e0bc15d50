using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Causeway.Api.Model.Common;

/// <summary>
/// A duration as Istio's YAML writes it: Go's format (<c>1.5s</c>, <c>100ms</c>, <c>1h30m</c>, <c>10us</c>), which is what
/// Istio's CRD validation (CEL <c>duration()</c>) accepts. Parsed once at load time.
/// </summary>
[JsonConverter(typeof(ProtoDurationConverter))]
public readonly record struct ProtoDuration(TimeSpan Value)
{
    public static ProtoDuration FromMilliseconds(double ms) => new(TimeSpan.FromMilliseconds(ms));

    public static ProtoDuration FromSeconds(double s) => new(TimeSpan.FromSeconds(s));

    /// <summary>Parses Go's duration syntax; returns false with a reason for anything else.</summary>
    public static bool TryParse(string text, out ProtoDuration duration, out string? error)
    {
        duration = default;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty duration";
            return false;
        }

        var s = text.AsSpan();
        var negative = false;
        if (s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.SequenceEqual("0"))
        {
            return true;
        }

        if (s.IsEmpty)
        {
            error = $"invalid duration '{text}'";
            return false;
        }

        decimal totalNanos = 0;
        while (!s.IsEmpty)
        {
            var numLen = 0;
            while (numLen < s.Length && (char.IsAsciiDigit(s[numLen]) || s[numLen] == '.'))
            {
                numLen++;
            }

            if (numLen == 0 || !decimal.TryParse(s[..numLen], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                error = $"invalid duration '{text}': expected a number followed by a unit (for example 1.5s, 100ms, 1h30m)";
                return false;
            }

            s = s[numLen..];
            var unitLen = 0;
            while (unitLen < s.Length && !char.IsAsciiDigit(s[unitLen]) && s[unitLen] != '.')
            {
                unitLen++;
            }

            decimal? scale = s[..unitLen] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => null,
            };
            if (scale is null)
            {
                error = unitLen == 0
                    ? $"invalid duration '{text}': missing unit (use ns, us, ms, s, m or h)"
                    : $"invalid duration '{text}': unknown unit '{s[..unitLen].ToString()}' (use ns, us, ms, s, m or h)";
                return false;
            }

            totalNanos += number * scale.Value;
            if (totalNanos > 9_223_372_036_854_775_807m)
            {
                error = $"invalid duration '{text}': too large";
                return false;
            }

            s = s[unitLen..];
        }

        var ticks = (long)(totalNanos / 100m);
        duration = new ProtoDuration(TimeSpan.FromTicks(negative ? -ticks : ticks));
        return true;
    }

    /// <summary>Formats in Go's style, shortest exact unit first (<c>1.5s</c>, <c>100ms</c>, <c>2m</c>).</summary>
    public override string ToString()
    {
        var t = Value;
        if (t == TimeSpan.Zero)
        {
            return "0s";
        }

        if (t.Ticks % TimeSpan.TicksPerHour == 0)
        {
            return $"{t.Ticks / TimeSpan.TicksPerHour}h";
        }

        if (t.Ticks % TimeSpan.TicksPerMinute == 0)
        {
            return $"{t.Ticks / TimeSpan.TicksPerMinute}m";
        }

        if (t.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{t.Ticks / 10.0}us");
        }

        return t.Ticks % TimeSpan.TicksPerSecond == 0
            ? $"{t.Ticks / TimeSpan.TicksPerSecond}s"
            : string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds}ms");
    }
}

internal sealed class ProtoDurationConverter : JsonConverter<ProtoDuration>
{
    public override ProtoDuration Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? "";
        return ProtoDuration.TryParse(text, out var d, out var error) ? d : throw new JsonException(error);
    }

    public override void Write(Utf8JsonWriter writer, ProtoDuration value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
