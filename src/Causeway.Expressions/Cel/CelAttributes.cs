namespace Causeway.Expressions;

/// <summary>
/// The Envoy attributes (envoy "Attributes" reference) a Causeway proxy fills for a finished request, which Istio's
/// Telemetry access log filters read. An expression naming anything else is refused when the config is translated,
/// so a typo is reported instead of silently never matching.
/// </summary>
public static class CelAttributes
{
    /// <summary>Attributes that are maps, read by key: <c>request.headers['x-user']</c> or <c>request.headers.x_user</c>.</summary>
    public static readonly IReadOnlySet<string> Maps = new HashSet<string>(StringComparer.Ordinal) { "request.headers", "response.headers" };

    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        "request.path", "request.url_path", "request.host", "request.scheme", "request.method", "request.headers",
        "request.referer", "request.useragent", "request.id", "request.protocol", "request.size", "request.duration",
        "response.code", "response.code_details", "response.flags", "response.grpc_status", "response.headers", "response.size",
        "source.address", "source.port", "destination.address", "destination.port",
        "connection.mtls", "connection.requested_server_name",
        "upstream.address", "upstream.port",
        "xds.cluster_name", "xds.route_name",
    };

    /// <summary>Why an expression's text cannot be evaluated here (a syntax error or an unknown attribute), or null.</summary>
    public static string? Check(string expression)
    {
        try
        {
            return Check(CelParser.Parse(expression));
        }
        catch (FormatException e)
        {
            return "not valid CEL: " + e.Message;
        }
    }

    /// <summary>Why the expression cannot be evaluated here, or null when every attribute it names is known.</summary>
    public static string? Check(CelNode expression)
    {
        foreach (var name in CelParser.Attributes(expression))
        {
            if (!Known.Contains(name) && !Maps.Any(m => name.StartsWith(m + ".", StringComparison.Ordinal)))
            {
                return $"unknown attribute {name} (known: {string.Join(", ", Known.Order(StringComparer.Ordinal))})";
            }
        }

        return null;
    }
}
