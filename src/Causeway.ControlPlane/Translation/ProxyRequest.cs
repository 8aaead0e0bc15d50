using Causeway.Protocol.V1;

namespace Causeway.ControlPlane.Translation;

/// <summary>Who is asking for a snapshot: the proxy's role, workload identity and labels.</summary>
public sealed record ProxyRequest(
    ProxyRole Role,
    string Name,
    string Namespace,
    IReadOnlyDictionary<string, string> Labels,
    string Address = "",
    string ServiceAccount = "default",
    string Locality = "")
{
    public static ProxyRequest Sidecar(string name, string ns, IReadOnlyDictionary<string, string> labels, string address = "") =>
        new(ProxyRole.Sidecar, name, ns, labels, address);

    public static ProxyRequest Gateway(string name, string ns, IReadOnlyDictionary<string, string> labels) =>
        new(ProxyRole.Gateway, name, ns, labels);
}
