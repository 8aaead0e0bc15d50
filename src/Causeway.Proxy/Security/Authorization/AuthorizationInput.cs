using System.Text.Json;

namespace Causeway.Proxy.Security.Authorization;

/// <summary>
/// What an authorization decision reads about a request or a connection. The connection's facts are always there;
/// the request's (method, path, host, headers, JWT) only for HTTP. The peer's principal and namespace come from its
/// mTLS certificate, so they are absent on plaintext connections, as in Istio.
/// </summary>
public sealed class AuthorizationInput
{
    public string SourceIp { get; init; } = "";

    /// <summary>The original client: at a gateway with trusted proxies, from X-Forwarded-For (<see cref="TrustedClientAddress"/>); else the source address.</summary>
    public string RemoteIp { get; init; } = "";

    public string DestinationIp { get; init; } = "";

    public uint DestinationPort { get; init; }

    public string? ServerName { get; init; }

    /// <summary>The peer's SPIFFE identity without "spiffe://" (td/ns/NS/sa/SA); null without mTLS.</summary>
    public string? Principal { get; init; }

    public string? PeerNamespace { get; init; }

    public bool IsHttp { get; init; }

    public string Method { get; init; } = "";

    public string Path { get; init; } = "";

    public string Host { get; init; } = "";

    public Func<string, string?> Header { get; init; } = _ => null;

    /// <summary>The validated JWT, when one was presented.</summary>
    public JwtIdentity? Jwt { get; init; }
}

/// <summary>Who a validated JWT says the caller is: Istio's request.auth.* attributes.</summary>
public sealed class JwtIdentity(string issuer, string subject, JsonElement claims)
{
    /// <summary>iss/sub, Istio's request principal.</summary>
    public string Principal { get; } = $"{issuer}/{subject}";

    public JsonElement Claims { get; } = claims;

    public IReadOnlyList<string> Audiences => Strings(Claims.TryGetProperty("aud", out var aud) ? aud : default);

    public string? Presenter => Claims.TryGetProperty("azp", out var azp) && azp.ValueKind == JsonValueKind.String ? azp.GetString() : null;

    /// <summary>
    /// A claim by path (request.auth.claims[a][b]): its string, number or boolean, or each element of an array;
    /// "scope" and "permission" are also split on spaces, as Istio always treats them.
    /// </summary>
    public IReadOnlyList<string> Claim(IReadOnlyList<string> path)
    {
        var current = Claims;
        foreach (var step in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(step, out current))
            {
                return [];
            }
        }

        var values = Strings(current);
        return path is [.., "scope" or "permission"] && values.Count == 1 ? values[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) : values;
    }

    internal static IReadOnlyList<string> Strings(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => [value.GetRawText()],
        JsonValueKind.Array => value.EnumerateArray().Where(e => e.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            .Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToList(),
        _ => [],
    };
}
