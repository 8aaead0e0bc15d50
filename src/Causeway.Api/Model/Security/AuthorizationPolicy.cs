using System.Text.Json.Serialization;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Security;

/// <summary>security.istio.io AuthorizationPolicy: access control on workloads.</summary>
public sealed class AuthorizationPolicy : Resource<AuthorizationPolicySpec>;

public sealed class AuthorizationPolicySpec
{
    public WorkloadSelector? Selector { get; set; }

    public PolicyTargetReference? TargetRef { get; set; }

    public List<PolicyTargetReference>? TargetRefs { get; set; }

    /// <summary>Absent means allow-nothing for the scope; <c>[{}]</c> means allow-all.</summary>
    public List<AuthorizationRule>? Rules { get; set; }

    /// <summary>Defaults to ALLOW.</summary>
    public AuthorizationAction? Action { get; set; }

    public ExtensionProvider? Provider { get; set; }
}

public enum AuthorizationAction
{
    [JsonStringEnumMemberName("ALLOW")]
    Allow,
    [JsonStringEnumMemberName("DENY")]
    Deny,
    [JsonStringEnumMemberName("AUDIT")]
    Audit,
    [JsonStringEnumMemberName("CUSTOM")]
    Custom,
}

public sealed class ExtensionProvider
{
    public string? Name { get; set; }
}

public sealed class AuthorizationRule
{
    public List<RuleFrom>? From { get; set; }

    public List<RuleTo>? To { get; set; }

    public List<Condition>? When { get; set; }
}

public sealed class RuleFrom
{
    public Source? Source { get; set; }
}

public sealed class RuleTo
{
    public Operation? Operation { get; set; }
}

public sealed class Source
{
    public List<string>? Principals { get; set; }

    public List<string>? NotPrincipals { get; set; }

    public List<string>? RequestPrincipals { get; set; }

    public List<string>? NotRequestPrincipals { get; set; }

    public List<string>? Namespaces { get; set; }

    public List<string>? NotNamespaces { get; set; }

    public List<string>? ServiceAccounts { get; set; }

    public List<string>? NotServiceAccounts { get; set; }

    public List<string>? IpBlocks { get; set; }

    public List<string>? NotIpBlocks { get; set; }

    public List<string>? RemoteIpBlocks { get; set; }

    public List<string>? NotRemoteIpBlocks { get; set; }

    public List<string>? TrustDomains { get; set; }

    public List<string>? NotTrustDomains { get; set; }
}

public sealed class Operation
{
    public List<string>? Hosts { get; set; }

    public List<string>? NotHosts { get; set; }

    public List<string>? Ports { get; set; }

    public List<string>? NotPorts { get; set; }

    public List<string>? Methods { get; set; }

    public List<string>? NotMethods { get; set; }

    public List<string>? Paths { get; set; }

    public List<string>? NotPaths { get; set; }
}

public sealed class Condition
{
    public string? Key { get; set; }

    public List<string>? Values { get; set; }

    public List<string>? NotValues { get; set; }
}
