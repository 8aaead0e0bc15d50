using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ProtoJwtRule = Causeway.Protocol.V1.JwtRule;

namespace Causeway.Proxy.Security.Authorization;

/// <summary>Where a token may be: a header (after its prefix), a query parameter or a cookie.</summary>
internal readonly record struct TokenLocation(string? Header, string Prefix, string? Param, string? Cookie);

/// <summary>Why a presented token was refused (answered 401), in Envoy's words.</summary>
internal sealed record JwtFailure(string Message, string Details);

/// <summary>
/// Istio's RequestAuthentication as Envoy's jwt_authn filter runs it: a token is looked for where the rules say
/// (by default <c>Authorization: Bearer</c>, then the <c>access_token</c> query parameter; else fromHeaders, fromParams and fromCookies); no token passes with no
/// identity; a token that is malformed, from an issuer no rule names, badly signed, expired, not yet valid or for
/// another audience is refused with 401. Signatures, expiry and audiences are checked by
/// Microsoft.IdentityModel.JsonWebTokens (unsigned "alg: none" tokens are refused); Envoy's 60 s clock skew applies.
/// </summary>
internal sealed class JwtAuthenticator
{
    private static readonly JsonWebTokenHandler Handler = new();
    private readonly CompiledJwtRule[] rules;
    private readonly TokenLocation[] locations;

    public JwtAuthenticator(IEnumerable<ProtoJwtRule> rules)
    {
        this.rules = rules.Select(r => new CompiledJwtRule(r)).ToArray();
        locations = this.rules.SelectMany(r => r.Locations).Distinct().ToArray();
    }

    public bool IsEmpty => rules.Length == 0;

    /// <summary>Null identity and null failure: no token. An identity: the token was valid. A failure: answer 401.</summary>
    public async ValueTask<(JwtIdentity? Identity, JwtFailure? Failure)> AuthenticateAsync(HttpRequest request)
    {
        foreach (var location in locations)
        {
            if (Extract(request, location) is not { } token)
            {
                continue;
            }

            JsonWebToken parsed;
            try
            {
                parsed = new JsonWebToken(token);
            }
            catch (ArgumentException)
            {
                return (null, new JwtFailure("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections", "jwt_authn_access_denied{Jwt_header_is_an_invalid_JSON}"));
            }

            var rule = rules.FirstOrDefault(r => r.Issuer == parsed.Issuer && r.Locations.Contains(location));
            if (rule is null)
            {
                return (null, new JwtFailure("Jwt issuer is not configured", "jwt_authn_access_denied{Jwt_issuer_is_not_configured}"));
            }

            var result = await Handler.ValidateTokenAsync(parsed, rule.Parameters).ConfigureAwait(false);
            if (!result.IsValid)
            {
                return (null, Failure(result.Exception));
            }

            var payload = Base64UrlEncoder.DecodeBytes(parsed.EncodedPayload);
            using var claims = JsonDocument.Parse(payload);
            var identity = new JwtIdentity(parsed.Issuer, parsed.Subject ?? "", claims.RootElement.Clone());
            rule.Apply(request, location, parsed, identity);
            return (identity, null);
        }

        return (null, null);
    }

    private static JwtFailure Failure(Exception? error) => error switch
    {
        SecurityTokenExpiredException => new("Jwt is expired", "jwt_authn_access_denied{Jwt_is_expired}"),
        SecurityTokenNotYetValidException => new("Jwt not yet valid", "jwt_authn_access_denied{Jwt_not_yet_valid}"),
        SecurityTokenInvalidAudienceException => new("Audiences in Jwt are not allowed", "jwt_authn_access_denied{Audiences_in_Jwt_are_not_allowed}"),
        _ => new("Jwt verification fails", "jwt_authn_access_denied{Jwt_verification_fails}"),
    };

    private static string? Extract(HttpRequest request, TokenLocation location)
    {
        if (location.Cookie is { } cookie)
        {
            return request.Cookies.TryGetValue(cookie, out var fromCookie) && fromCookie is { Length: > 0 } c ? c : null;
        }

        if (location.Header is { } header)
        {
            var value = request.Headers[header].ToString();
            if (value.Length == 0 || !value.StartsWith(location.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var token = value[location.Prefix.Length..].Trim();
            return token.Length > 0 ? token : null;
        }

        return request.Query.TryGetValue(location.Param!, out var param) && param.ToString() is { Length: > 0 } p ? p : null;
    }

    private sealed class CompiledJwtRule
    {
        public CompiledJwtRule(ProtoJwtRule rule)
        {
            Source = rule;
            Issuer = rule.Issuer;
            IList<SecurityKey> keys;
            try
            {
                keys = rule.Jwks.Length > 0 ? new JsonWebKeySet(rule.Jwks).GetSigningKeys() : [];
            }
            catch (ArgumentException)
            {
                keys = []; // unreadable keys: every token of this issuer fails, as in Envoy
            }

            Parameters = new TokenValidationParameters
            {
                ValidIssuer = rule.Issuer,
                ValidateIssuer = true,
                ValidAudiences = rule.Audiences,
                ValidateAudience = rule.Audiences.Count > 0,
                ValidateLifetime = true,
                RequireExpirationTime = false,
                RequireSignedTokens = true,
                IssuerSigningKeys = keys,
                ValidateIssuerSigningKey = false,
                ClockSkew = TimeSpan.FromSeconds(60),
            };
            Locations = rule.FromHeaders.Count == 0 && rule.FromParams.Count == 0 && rule.FromCookies.Count == 0
                ? [new("authorization", "Bearer ", null, null), new(null, "", "access_token", null)]
                :
                [
                    .. rule.FromHeaders.Select(h => new TokenLocation(h.Name.ToLowerInvariant(), h.Prefix, null, null)),
                    .. rule.FromParams.Select(p => new TokenLocation(null, "", p, null)),
                    .. rule.FromCookies.Select(c => new TokenLocation(null, "", null, c)),
                ];
        }

        public ProtoJwtRule Source { get; }

        public string Issuer { get; }

        public TokenValidationParameters Parameters { get; }

        public TokenLocation[] Locations { get; }

        /// <summary>outputPayloadToHeader, outputClaimToHeaders, and the token removed unless forwardOriginalToken.</summary>
        public void Apply(HttpRequest request, TokenLocation location, JsonWebToken token, JwtIdentity identity)
        {
            if (!Source.ForwardOriginalToken && location.Header is { } header)
            {
                request.Headers.Remove(header);
            }

            if (Source.OutputPayloadToHeader.Length > 0)
            {
                request.Headers[Source.OutputPayloadToHeader] = token.EncodedPayload;
            }

            foreach (var claim in Source.OutputClaimToHeaders)
            {
                var values = identity.Claim([claim.Claim]);
                if (values.Count > 0)
                {
                    request.Headers[claim.Header] = string.Join(",", values);
                }
            }
        }
    }
}
