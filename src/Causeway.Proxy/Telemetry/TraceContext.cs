using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// The trace context a request arrived with, in the forms Istio's proxies read: W3C <c>traceparent</c> (with
/// <c>tracestate</c>), B3 single (<c>b3: trace-span-sampled</c>) and B3 multi (<c>x-b3-traceid</c>,
/// <c>x-b3-spanid</c>, <c>x-b3-sampled</c>). <see cref="Sampled"/> is null when the caller left the decision to us.
/// </summary>
public readonly record struct TraceContext(ActivityTraceId TraceId, ActivitySpanId ParentSpanId, bool? Sampled, TraceFormat Format, string TraceState)
{
    public static TraceContext? From(IHeaderDictionary headers)
    {
        if (headers.TryGetValue("traceparent", out var tp) && TryW3C(tp.ToString(), out var w3c))
        {
            return w3c with { TraceState = headers["tracestate"].ToString() };
        }

        if (headers.TryGetValue("b3", out var b3) && TryB3Single(b3.ToString(), out var single))
        {
            return single;
        }

        if (headers.TryGetValue("x-b3-traceid", out var tid) && headers.TryGetValue("x-b3-spanid", out var sid) &&
            TryTraceId(tid.ToString(), out var traceId) && TrySpanId(sid.ToString(), out var spanId))
        {
            var sampled = headers["x-b3-sampled"].ToString() switch { "1" or "true" => true, "0" or "false" => false, _ => (bool?)null };
            return new TraceContext(traceId, spanId, sampled, TraceFormat.B3Multi, "");
        }

        return null;
    }

    /// <summary>The headers that carry this trace onward with <paramref name="spanId"/> as the parent, in the caller's format (and always W3C).</summary>
    public static IEnumerable<(string Name, string Value)> Headers(ActivityTraceId traceId, ActivitySpanId spanId, bool sampled, TraceFormat format, string traceState)
    {
        yield return ("traceparent", $"00-{traceId.ToHexString()}-{spanId.ToHexString()}-{(sampled ? "01" : "00")}");
        if (traceState.Length > 0)
        {
            yield return ("tracestate", traceState);
        }

        if (format == TraceFormat.B3Single)
        {
            yield return ("b3", $"{traceId.ToHexString()}-{spanId.ToHexString()}-{(sampled ? "1" : "0")}");
        }
        else if (format == TraceFormat.B3Multi)
        {
            yield return ("x-b3-traceid", traceId.ToHexString());
            yield return ("x-b3-spanid", spanId.ToHexString());
            yield return ("x-b3-sampled", sampled ? "1" : "0");
        }
    }

    private static bool TryW3C(string value, out TraceContext context)
    {
        context = default;
        var parts = value.Trim().Split('-');
        if (parts.Length < 4 || parts[0].Length != 2 || !TryTraceId(parts[1], out var traceId) || !TrySpanId(parts[2], out var spanId) || parts[3].Length != 2)
        {
            return false;
        }

        context = new TraceContext(traceId, spanId, (Convert.ToByte(parts[3], 16) & 1) == 1, TraceFormat.W3C, "");
        return true;
    }

    private static bool TryB3Single(string value, out TraceContext context)
    {
        context = default;
        var parts = value.Trim().Split('-');
        if (parts.Length < 2 || !TryTraceId(parts[0], out var traceId) || !TrySpanId(parts[1], out var spanId))
        {
            return false;
        }

        bool? sampled = parts.Length > 2 ? parts[2] is "1" or "d" : null;
        context = new TraceContext(traceId, spanId, sampled, TraceFormat.B3Single, "");
        return true;
    }

    /// <summary>A 32- or 16-hex-digit trace id (B3 allows 64-bit ids, padded to 128 as Envoy does).</summary>
    private static bool TryTraceId(string hex, out ActivityTraceId id)
    {
        id = default;
        hex = hex.Trim().ToLowerInvariant();
        if (hex.Length == 16)
        {
            hex = new string('0', 16) + hex;
        }

        if (hex.Length != 32 || !hex.All(Uri.IsHexDigit) || hex.All(c => c == '0'))
        {
            return false;
        }

        id = ActivityTraceId.CreateFromString(hex);
        return true;
    }

    private static bool TrySpanId(string hex, out ActivitySpanId id)
    {
        id = default;
        hex = hex.Trim().ToLowerInvariant();
        if (hex.Length != 16 || !hex.All(Uri.IsHexDigit) || hex.All(c => c == '0'))
        {
            return false;
        }

        id = ActivitySpanId.CreateFromString(hex);
        return true;
    }
}

/// <summary>How the caller carried its trace context (and so how it is carried on).</summary>
public enum TraceFormat
{
    W3C,
    B3Single,
    B3Multi,
}
