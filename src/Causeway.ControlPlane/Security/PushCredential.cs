using Causeway.Protocol.V1;

namespace Causeway.ControlPlane.Security;

/// <summary>
/// Who a push token says its bearer is: a role in a namespace, and for a sidecar its workload's name (null: any name
/// in the namespace, as a gateway's token has). What a proxy may receive follows from it: Secrets are handed only to
/// a gateway authenticated for the Secret's namespace, as istiod's SDS serves a gateway only its own namespace's.
/// </summary>
public sealed record PushCredential(ProxyRole Role, string Namespace, string? Name)
{
    /// <summary>Why a Hello does not fit this credential, or null when it does.</summary>
    public string? Mismatch(Hello hello)
    {
        if (hello.Role != Role || hello.Namespace != Namespace || (Name is not null && hello.Name != Name))
        {
            return $"the token is for {this}, not {RoleName(hello.Role)} {hello.Name}.{hello.Namespace}";
        }

        return null;
    }

    public override string ToString() => $"{RoleName(Role)} {Name ?? "*"}.{Namespace}";

    public static string RoleName(ProxyRole role) => role == ProxyRole.Gateway ? "gateway" : "sidecar";
}
