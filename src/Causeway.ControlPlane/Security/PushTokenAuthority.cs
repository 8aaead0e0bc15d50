using System.Security.Cryptography;
using Causeway.Protocol.V1;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Causeway.ControlPlane.Security;

/// <summary>
/// Makes and checks the tokens proxies present on the push port (the role of the service-account tokens istiod
/// checks): JWTs signed with the control plane's key (HS256), naming a <see cref="PushCredential"/> and expiring.
/// The key is a file of base64 text (<c>--token-key</c>), made with 32 random bytes when it does not exist yet;
/// without one, a key lives only in the process, which is enough for the proxies <c>causeway up</c> starts itself.
/// </summary>
public sealed class PushTokenAuthority
{
    private const string Issuer = "causeway-control-plane";
    private const string Audience = "causeway-push";

    /// <summary>A token longer than this is refused unread: no legitimate one comes near it.</summary>
    private const int MaxTokenLength = 4096;

    private readonly SymmetricSecurityKey key;
    private readonly JsonWebTokenHandler handler = new();

    public PushTokenAuthority(byte[] secret)
    {
        if (secret.Length < 32)
        {
            throw new ArgumentException($"a token key needs at least 32 bytes, this one has {secret.Length}", nameof(secret));
        }

        key = new SymmetricSecurityKey(secret);
    }

    /// <summary>A key that exists only in this process.</summary>
    public static PushTokenAuthority Ephemeral() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key in this file, or a new one written there (readable by its owner only) when the file does not exist.</summary>
    public static PushTokenAuthority FromKeyFile(string path, bool createIfMissing)
    {
        if (!File.Exists(path))
        {
            if (!createIfMissing)
            {
                throw new FileNotFoundException($"no token key at {path}", path);
            }

            var fresh = RandomNumberGenerator.GetBytes(32);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var writer = new StreamWriter(path, options))
            {
                writer.WriteLine(Convert.ToBase64String(fresh));
            }

            return new PushTokenAuthority(fresh);
        }

        var text = File.ReadAllText(path).Trim();
        var bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, bytes, out var length))
        {
            throw new FormatException($"{path}: a token key is base64 text");
        }

        return new PushTokenAuthority(bytes[..length]);
    }

    /// <summary>A token for this proxy, good for this long from <paramref name="issuedAt"/> (now when not given).</summary>
    public string Mint(PushCredential who, TimeSpan validFor, DateTime? issuedAt = null)
    {
        var now = issuedAt ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["role"] = PushCredential.RoleName(who.Role),
            ["namespace"] = who.Namespace,
        };
        if (who.Name is not null)
        {
            claims["name"] = who.Name;
        }

        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + validFor,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>Who the token names, or why it is refused (in words fit for the proxy's log).</summary>
    public async Task<(PushCredential? Credential, string? Error)> ValidateAsync(string token)
    {
        if (token.Length > MaxTokenLength)
        {
            return (null, $"the token is {token.Length} characters long; at most {MaxTokenLength} are read");
        }

        var result = await handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromMinutes(1),
        }).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return (null, Describe(result.Exception));
        }

        var claims = result.Claims;
        string? Claim(string name) => claims.TryGetValue(name, out var value) ? value as string : null;
        var role = Claim("role");
        var ns = Claim("namespace");
        if (role is not ("gateway" or "sidecar") || string.IsNullOrEmpty(ns))
        {
            return (null, "the token names no role (gateway or sidecar) and namespace");
        }

        return (new PushCredential(role == "gateway" ? ProxyRole.Gateway : ProxyRole.Sidecar, ns, Claim("name")), null);
    }

    /// <summary>The library's messages hide their details (PII logging is off); these say what went wrong plainly.</summary>
    private static string Describe(Exception? failure) => failure switch
    {
        SecurityTokenExpiredException expired => $"the token expired at {expired.Expires:u}",
        SecurityTokenNotYetValidException early => $"the token is not valid before {early.NotBefore:u}",
        SecurityTokenNoExpirationException => "the token has no expiry",
        SecurityTokenInvalidLifetimeException => "the token expires before it becomes valid",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "the token was not signed with this control plane's key",
        SecurityTokenInvalidAlgorithmException => "the token is not signed with HS256",
        SecurityTokenInvalidIssuerException or SecurityTokenInvalidAudienceException => "the token is not a Causeway push token",
        _ => "the token is malformed",
    };
}
