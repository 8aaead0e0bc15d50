using System.Globalization;
using Causeway.Api.Model.Security;
using Causeway.Protocol.V1;
using Causeway.Translation.Mesh;
using Causeway.Translation.Registry;

namespace Causeway.Translation;

/// <summary>
/// The mutual TLS a sidecar's inbound port accepts, as Istio resolves PeerAuthentication: the policy selecting the
/// workload (its portLevelMtls for that port first), else the namespace's policy without a selector, else the root
/// namespace's; UNSET inherits from the next level up, and with nothing set the mesh is PERMISSIVE (Istio's default).
/// </summary>
internal static class PeerAuthenticationPolicy
{
    public static MeshTlsMode ModeFor(MeshState mesh, ProxyRequest proxy, uint port, uint targetPort) =>
        ModeFor(mesh, proxy.Namespace, proxy.Labels, port, targetPort);

    /// <summary>The mode for a workload in namespace <paramref name="ns"/> with <paramref name="labels"/>, on its port.</summary>
    public static MeshTlsMode ModeFor(MeshState mesh, string ns, IReadOnlyDictionary<string, string> labels, uint port, uint targetPort)
    {
        // read for every endpoint of every cluster: the list is built once per config generation
        var policies = mesh.Cached(static m => new Policies(m.Resources.Select(r => r.Resource).OfType<PeerAuthentication>().ToList())).All;
        if (policies.Count == 0)
        {
            return MeshTlsMode.MeshTlsPermissive;
        }

        var workload = policies.Where(p => mesh.Names.NamespaceOf(p) == ns && p.Spec.Selector?.MatchLabels is { Count: > 0 } l && ServiceEntryRegistry.Matches(l, labels))
            .OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        var namespaced = policies.Where(p => mesh.Names.NamespaceOf(p) == ns && p.Spec.Selector?.MatchLabels is null or { Count: 0 })
            .OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        var root = policies.Where(p => mesh.Names.NamespaceOf(p) == mesh.Names.RootNamespace && p.Spec.Selector?.MatchLabels is null or { Count: 0 })
            .OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();

        MutualTlsMode? portLevel = null;
        if (workload?.Spec.PortLevelMtls is { } ports)
        {
            // Istio keys portLevelMtls by the workload's port (the target port)
            portLevel = (ports.GetValueOrDefault(targetPort.ToString(CultureInfo.InvariantCulture)) ?? ports.GetValueOrDefault(port.ToString(CultureInfo.InvariantCulture)))?.Mode;
        }

        var mode = new[] { portLevel, workload?.Spec.Mtls?.Mode, namespaced?.Spec.Mtls?.Mode, root?.Spec.Mtls?.Mode }
            .FirstOrDefault(m => m is not null and not MutualTlsMode.Unset) ?? MutualTlsMode.Permissive;
        return mode switch
        {
            MutualTlsMode.Strict => MeshTlsMode.MeshTlsStrict,
            MutualTlsMode.Disable => MeshTlsMode.MeshTlsNone,
            _ => MeshTlsMode.MeshTlsPermissive,
        };
    }

    private sealed record Policies(List<PeerAuthentication> All);
}
