using Causeway.Protocol.V1;

namespace Causeway.Proxy.Security.Authorization;

/// <summary>
/// A snapshot's RequestAuthentication and AuthorizationPolicy, compiled once: JWT checks and an authorization engine
/// for HTTP listeners, another for TCP ones (where HTTP-only rules read differently). Enforced where Istio enforces
/// them: a sidecar's inbound listeners and every listener of a gateway, never a sidecar's outbound side.
/// </summary>
internal sealed class RequestSecurityEnforcement
{
    private RequestSecurityEnforcement(RequestSecurity security)
    {
        Jwt = new JwtAuthenticator(security.JwtRules);
        Http = new CompiledAuthorization(security.Authorization, http: true);
        Tcp = new CompiledAuthorization(security.Authorization, http: false);
        TrustedProxies = security.NumTrustedProxies;
    }

    /// <summary>X-Forwarded-For hops trusted for remote.ip (see <see cref="TrustedClientAddress"/>).</summary>
    public uint TrustedProxies { get; }

    public JwtAuthenticator Jwt { get; }

    public CompiledAuthorization Http { get; }

    public CompiledAuthorization Tcp { get; }

    /// <summary>Null when the snapshot has nothing to enforce, so requests pay nothing for it.</summary>
    public static RequestSecurityEnforcement? For(RequestSecurity? security) =>
        security is null || (security.Authorization.Count == 0 && security.JwtRules.Count == 0) ? null : new RequestSecurityEnforcement(security);

    public static bool AppliesTo(Listener listener) => listener.Direction != TrafficDirection.Outbound;
}
