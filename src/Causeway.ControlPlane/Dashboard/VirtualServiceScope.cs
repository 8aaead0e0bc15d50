using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;

namespace Causeway.ControlPlane.Dashboard;

/// <summary>
/// Which services a VirtualService is about: the hosts it routes for inside the mesh (when it binds to the
/// reserved "mesh" gateway) and every service it sends traffic to. A gateway-only VirtualService with hosts "*"
/// is about the services behind it, not every service the wildcard would cover.
/// </summary>
public static class VirtualServiceScope
{
    /// <summary>Fully-qualified host patterns (may start with "*").</summary>
    public static IReadOnlyList<string> Of(VirtualService vs, MeshState mesh)
    {
        var ns = mesh.Names.NamespaceOf(vs);
        var names = new List<string>();
        if (vs.Spec.EffectiveGateways.Contains("mesh"))
        {
            names.AddRange((vs.Spec.Hosts ?? []).Select(h => mesh.Names.Fqdn(h, ns)));
        }

        var destinations = (vs.Spec.Http ?? []).SelectMany(r => (r.Route ?? []).Select(d => d.Destination).Append(r.Mirror))
            .Concat((vs.Spec.Tcp ?? []).SelectMany(r => (r.Route ?? []).Select(d => d.Destination)))
            .Concat((vs.Spec.Tls ?? []).SelectMany(r => (r.Route ?? []).Select(d => d.Destination)));
        names.AddRange(destinations.Where(d => d?.Host is not null).Select(d => mesh.Names.Fqdn(d!.Host!, ns)));
        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Istio's host matching of a pattern against a service host: exact, "*" or "*.suffix".</summary>
    public static bool Covers(string pattern, string host) =>
        pattern == host || pattern == "*" || (pattern.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(pattern[1..], StringComparison.Ordinal));
}
