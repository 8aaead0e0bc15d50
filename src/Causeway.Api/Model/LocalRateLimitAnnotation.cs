using System.Globalization;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Model;

/// <summary>
/// Causeway's extension for local rate limiting, which Istio only offers through EnvoyFilter: the annotation
/// <c>causeway.io/local-rate-limit: "maxTokens=10,tokensPerFill=10,fillInterval=1s"</c> on a VirtualService gives
/// each of its HTTP routes a token bucket in every proxy that serves it. <c>tokensPerFill</c> defaults to
/// <c>maxTokens</c> and <c>fillInterval</c> to 1s. The same annotation with a route's name appended
/// (<c>causeway.io/local-rate-limit.NAME</c>) overrides it for the http rule with that name. On a Gateway, the
/// annotation limits each of its HTTP listeners as a whole, before routing.
/// </summary>
public sealed record LocalRateLimitAnnotation(int MaxTokens, int TokensPerFill, TimeSpan FillInterval)
{
    public const string Key = "causeway.io/local-rate-limit";

    /// <summary>The setting for one http rule of the resource (its own key, else the resource-wide one), if any.</summary>
    public static LocalRateLimitAnnotation? For(Resource resource, string? ruleName)
    {
        var annotations = resource.Annotations;
        var text = ruleName is { Length: > 0 } && annotations.TryGetValue(Key + "." + ruleName, out var own) ? own : annotations.GetValueOrDefault(Key);
        return text is null ? null : TryParse(text, out var setting, out _) ? setting : null;
    }

    public static bool TryParse(string text, out LocalRateLimitAnnotation? setting, out string? error)
    {
        setting = null;
        int? max = null, perFill = null;
        var interval = TimeSpan.FromSeconds(1);
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? part : part[..eq].Trim();
            var value = eq < 0 ? "" : part[(eq + 1)..].Trim();
            switch (key)
            {
                case "maxTokens" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m > 0:
                    max = m;
                    break;
                case "tokensPerFill" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var f) && f > 0:
                    perFill = f;
                    break;
                case "fillInterval" when ProtoDuration.TryParse(value, out var d, out _) && d.Value >= TimeSpan.FromMilliseconds(1):
                    interval = d.Value;
                    break;
                case "maxTokens" or "tokensPerFill":
                    error = $"{key} must be a positive integer, not \"{value}\"";
                    return false;
                case "fillInterval":
                    error = $"fillInterval must be a duration of at least 1ms such as 1s or 500ms, not \"{value}\"";
                    return false;
                default:
                    error = $"unknown setting \"{key}\" (expected maxTokens, tokensPerFill, fillInterval)";
                    return false;
            }
        }

        if (max is null)
        {
            error = "maxTokens is required";
            return false;
        }

        setting = new LocalRateLimitAnnotation(max.Value, perFill ?? max.Value, interval);
        error = null;
        return true;
    }
}
