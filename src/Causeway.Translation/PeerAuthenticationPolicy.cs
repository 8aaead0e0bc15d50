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
    public static MeshTlsMode ModeFor(MeshState mesh, ProxyRequest proxy, uint port, uint targetPort)
    {
        var policies = mesh.Resources.Select(r => r.Resource).OfType<PeerAuthentication>().ToList();
        var workload = policies.Where(p => mesh.Names.NamespaceOf(p) == proxy.Namespace && p.Spec.Selector?.MatchLabels is { Count: > 0 } l && ServiceEntryRegistry.Matches(l, proxy.Labels))
            .OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        var ns = policies.Where(p => mesh.Names.NamespaceOf(p) == proxy.Namespace && p.Spec.Selector?.MatchLabels is null or { Count: 0 })
            .OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        var root = policies.Where(p => mesh.Names.NamespaceOf(p) == mesh.Names.RootNamespace && p.Spec.Selector?.MatchLabels is null or { Count: 0 })
            .OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();

        MutualTlsMode? portLevel = null;
        if (workload?.Spec.PortLevelMtls is { } ports)
        {
            // Istio keys portLevelMtls by the workload's port (the target port)
            portLevel = (ports.GetValueOrDefault(targetPort.ToString(CultureInfo.InvariantCulture)) ?? ports.GetValueOrDefault(port.ToString(CultureInfo.InvariantCulture)))?.Mode;
        }

        var mode = new[] { portLevel, workload?.Spec.Mtls?.Mode, ns?.Spec.Mtls?.Mode, root?.Spec.Mtls?.Mode }
            .FirstOrDefault(m => m is not null and not MutualTlsMode.Unset) ?? MutualTlsMode.Permissive;
        return mode switch
        {
            MutualTlsMode.Strict => MeshTlsMode.MeshTlsStrict,
            MutualTlsMode.Disable => MeshTlsMode.MeshTlsNone,
            _ => MeshTlsMode.MeshTlsPermissive,
        };
    }
}
