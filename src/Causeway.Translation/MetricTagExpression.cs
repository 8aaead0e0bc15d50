using System.Text.RegularExpressions;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// The CEL expressions in Telemetry <c>tagOverrides</c> values that Causeway evaluates: a string literal, one of
/// Envoy's request attributes that Istio's examples use, or a request header, optionally inside <c>string(...)</c>.
/// Anything else (operators, functions, other attributes) is refused, so the translation can say so instead of
/// reporting a tag it cannot fill.
/// </summary>
internal static partial class MetricTagExpression
{
    /// <summary>The attributes a proxy fills per request (Envoy's attribute names).</summary>
    public static readonly IReadOnlySet<string> Attributes = new HashSet<string>(StringComparer.Ordinal)
    {
        "request.method", "request.host", "request.path", "request.url_path", "request.scheme", "request.protocol",
        "request.id", "request.useragent", "request.referer", "response.code", "destination.port",
    };

    public static bool TryParse(string? expression, out TagValue value)
    {
        value = new TagValue();
        var text = expression?.Trim() ?? "";
        if (StringCall().Match(text) is { Success: true } call)
        {
            text = call.Groups[1].Value.Trim(); // string(x): every value is a string here already
        }

        if (text.Length >= 2 && (text[0] == '\'' || text[0] == '"') && text[^1] == text[0] && text.IndexOf(text[0], 1) == text.Length - 1)
        {
            value.Literal = text[1..^1];
            return true;
        }

        if (Header().Match(text) is { Success: true } header)
        {
            value.Header = header.Groups[2].Value.ToLowerInvariant();
            return true;
        }

        if (Attributes.Contains(text))
        {
            value.Attribute = text;
            return true;
        }

        return false;
    }

    [GeneratedRegex(@"^string\((.*)\)$")]
    private static partial Regex StringCall();

    [GeneratedRegex(@"^request\.headers\[\s*(['""])([A-Za-z0-9!#$%&*+.^_`|~-]+)\1\s*\]$")]
    private static partial Regex Header();
}
