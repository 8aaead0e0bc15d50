using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Security;

/// <summary>security.istio.io RequestAuthentication: which JWTs a workload accepts.</summary>
public sealed class RequestAuthentication : Resource<RequestAuthenticationSpec>;

public sealed class RequestAuthenticationSpec
{
    public WorkloadSelector? Selector { get; set; }

    public PolicyTargetReference? TargetRef { get; set; }

    public List<PolicyTargetReference>? TargetRefs { get; set; }

    public List<JwtRule>? JwtRules { get; set; }
}

public sealed class JwtRule
{
    public string? Issuer { get; set; }

    /// <summary>Empty: the service name is accepted.</summary>
    public List<string>? Audiences { get; set; }

    public string? JwksUri { get; set; }

    public string? Jwks { get; set; }

    /// <summary>Default location: <c>Authorization: Bearer</c>, then the <c>access_token</c> query parameter.</summary>
    public List<JwtHeader>? FromHeaders { get; set; }

    public List<string>? FromParams { get; set; }

    public string? OutputPayloadToHeader { get; set; }

    public bool? ForwardOriginalToken { get; set; }

    public List<ClaimToHeader>? OutputClaimToHeaders { get; set; }

    public List<string>? FromCookies { get; set; }

    /// <summary>JWKS fetch timeout; defaults to 5s.</summary>
    public ProtoDuration? Timeout { get; set; }

    public List<string>? SpaceDelimitedClaims { get; set; }
}

public sealed class JwtHeader
{
    public string? Name { get; set; }

    public string? Prefix { get; set; }
}

public sealed class ClaimToHeader
{
    public string? Header { get; set; }

    public string? Claim { get; set; }
}
