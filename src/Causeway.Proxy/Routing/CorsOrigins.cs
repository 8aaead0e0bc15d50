using System.Globalization;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Routing;

/// <summary>
/// A route's CORS policy compiled once per snapshot: the allowed origins as matchers and the header values the
/// proxy writes (methods, headers, exposed headers, max age) already joined, so a CORS request formats nothing.
/// </summary>
public sealed class CorsOrigins
{
    private readonly StringMatcher[] origins;

    public CorsOrigins(CorsPolicy policy)
    {
        origins = [.. policy.AllowOrigins.Select(m => StringMatcher.Compile(m)).OfType<StringMatcher>()];
        AllowMethods = policy.AllowMethods.Count > 0 ? string.Join(",", policy.AllowMethods) : null;
        AllowHeaders = policy.AllowHeaders.Count > 0 ? string.Join(",", policy.AllowHeaders) : null;
        ExposeHeaders = policy.ExposeHeaders.Count > 0 ? string.Join(",", policy.ExposeHeaders) : null;
        MaxAge = policy.MaxAgeSeconds >= 0 ? policy.MaxAgeSeconds.ToString(CultureInfo.InvariantCulture) : null;
        AllowCredentials = policy.AllowCredentials;
        IgnoreUnmatchedPreflights = policy.IgnoreUnmatchedPreflights;
    }

    public string? AllowMethods { get; }

    public string? AllowHeaders { get; }

    public string? ExposeHeaders { get; }

    public string? MaxAge { get; }

    public bool AllowCredentials { get; }

    public bool IgnoreUnmatchedPreflights { get; }

    public bool Allows(string origin)
    {
        foreach (var m in origins)
        {
            if (m.Matches(origin))
            {
                return true;
            }
        }

        return false;
    }
}
