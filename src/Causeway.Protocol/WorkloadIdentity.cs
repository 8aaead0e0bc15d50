using Causeway.Protocol.V1;

namespace Causeway.Protocol;

/// <summary>
/// Who the proxy is, as given on the command line: a sidecar names its workload (<c>name.namespace</c>, a
/// WorkloadEntry), a gateway gives the labels its Gateways select.
/// </summary>
public sealed record WorkloadIdentity(ProxyRole Role, string Name, string Namespace, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>A sidecar whose workload's traffic iptables redirects to it (see <c>causeway iptables</c>).</summary>
    public bool Captured { get; init; }

    public static WorkloadIdentity Sidecar(string workload)
    {
        var dot = workload.LastIndexOf('.');
        return dot <= 0
            ? new WorkloadIdentity(ProxyRole.Sidecar, workload, "default", new Dictionary<string, string>())
            : new WorkloadIdentity(ProxyRole.Sidecar, workload[..dot], workload[(dot + 1)..], new Dictionary<string, string>());
    }

    public static WorkloadIdentity Gateway(IReadOnlyDictionary<string, string> labels, string name = "gateway", string ns = "istio-system") =>
        new(ProxyRole.Gateway, name, ns, labels);
}
