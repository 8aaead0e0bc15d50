using Causeway.Protocol.V1;

namespace Causeway.Translation;

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
    /// <summary>
    /// Whether Secrets (a gateway's credentialName certificates and keys) may go into its snapshot: false for a proxy
    /// that did not authenticate to the control plane, which then gets its config without them.
    /// </summary>
    public bool MayReadSecrets { get; init; } = true;

    /// <summary>The workload's traffic is captured by iptables: the sidecar gets the virtual outbound and inbound listeners.</summary>
    public bool Captured { get; init; }

    public static ProxyRequest Sidecar(string name, string ns, IReadOnlyDictionary<string, string> labels, string address = "") =>
        new(ProxyRole.Sidecar, name, ns, labels, address);

    public static ProxyRequest Gateway(string name, string ns, IReadOnlyDictionary<string, string> labels) =>
        new(ProxyRole.Gateway, name, ns, labels);

    /// <summary>
    /// The request for a proxy as it introduces itself: a gateway by its labels; a sidecar by its WorkloadEntry, whose
    /// labels, address, service account and locality the mesh knows (null when the mesh has no such workload).
    /// </summary>
    public static ProxyRequest? Resolve(Mesh.MeshState mesh, ProxyRole role, string name, string ns, IReadOnlyDictionary<string, string> labels)
    {
        if (role == ProxyRole.Gateway)
        {
            return new ProxyRequest(ProxyRole.Gateway, name, ns, labels);
        }

        var workload = mesh.Registry.Workloads.FirstOrDefault(w => w.Name == name && w.Namespace == ns);
        return workload is null
            ? null
            : new ProxyRequest(ProxyRole.Sidecar, workload.Name, workload.Namespace, workload.Labels, workload.Address, workload.ServiceAccount, workload.Locality);
    }
}
