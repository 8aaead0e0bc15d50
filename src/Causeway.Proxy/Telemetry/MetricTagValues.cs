using System.Collections.Concurrent;
using Causeway.Protocol.V1;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// The values of a side's Telemetry tag overrides for one request (at most four, as the control plane allows), kept
/// in the metrics series key. Each comes from a string the request already has (method, host, a header, a cached
/// number), so working them out allocates nothing for a request like one seen before.
/// </summary>
public readonly record struct MetricTagValues(string? V0, string? V1, string? V2, string? V3)
{
    private const string Unknown = "unknown";

    private static readonly ConcurrentDictionary<int, string> Numbers = new();

    public string this[int index] => (index switch
    {
        0 => V0,
        1 => V1,
        2 => V2,
        3 => V3,
        _ => null,
    }) ?? Unknown;

    /// <summary>The side's values for this request; a value that cannot be had is "unknown", as Istio reports a failed expression.</summary>
    public static MetricTagValues Of(MetricSide? side, HttpContext? ctx, int code)
    {
        if (side is null || side.Values.Count == 0)
        {
            return default;
        }

        var values = side.Values;
        return new MetricTagValues(
            Evaluate(values[0], ctx, code),
            values.Count > 1 ? Evaluate(values[1], ctx, code) : null,
            values.Count > 2 ? Evaluate(values[2], ctx, code) : null,
            values.Count > 3 ? Evaluate(values[3], ctx, code) : null);
    }

    private static string Evaluate(TagValue value, HttpContext? ctx, int code)
    {
        if (value.Literal.Length > 0 || (value.Attribute.Length == 0 && value.Header.Length == 0))
        {
            return value.Literal;
        }

        if (ctx is null)
        {
            return Unknown; // TCP connections have no request attributes
        }

        if (value.Header.Length > 0)
        {
            return ctx.Request.Headers[value.Header] is { Count: > 0 } header ? header.ToString() : Unknown;
        }

        return value.Attribute switch
        {
            "response.code" => Number(code),
            "destination.port" => Number(ctx.Connection.LocalPort),
            var attribute => RequestAttributes.Text(ctx, attribute) ?? Unknown,
        };
    }

    private static string Number(int n) => Numbers.TryGetValue(n, out var text) ? text : Numbers.GetOrAdd(n, k => k.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
