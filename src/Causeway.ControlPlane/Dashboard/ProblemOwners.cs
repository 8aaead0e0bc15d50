using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;

namespace Causeway.ControlPlane.Dashboard;

/// <summary>
/// Which nodes a config message concerns: a VirtualService the services it routes for or to (<see cref="VirtualServiceScope"/>),
/// a DestinationRule or ServiceEntry the services its hosts name (wildcards included), a WorkloadEntry its workload. A rejected resource is found by its last
/// valid version, which stays in force; one that never loaded concerns no node and is listed mesh-wide.
/// </summary>
public static class ProblemOwners
{
    public static IEnumerable<string> Of(Diagnostic diagnostic, MeshState mesh)
    {
        if (diagnostic.Resource is not { } target)
        {
            return [];
        }

        var loaded = mesh.Resources.FirstOrDefault(r => r.Ref == target);
        if (loaded is null)
        {
            return [];
        }

        var ns = mesh.Names.NamespaceOf(loaded.Resource);
        IEnumerable<string> hosts = loaded.Resource switch
        {
            VirtualService vs => VirtualServiceScope.Of(vs, mesh),
            DestinationRule dr => dr.Spec.Host is { } h ? [mesh.Names.Fqdn(h, ns)] : [],
            ServiceEntry se => (se.Spec.Hosts ?? []).Select(h => mesh.Names.Fqdn(h, ns)),
            _ => [],
        };
        if (loaded.Resource is WorkloadEntry)
        {
            return [MeshGraphBuilder.WorkloadId(ns, loaded.Resource.Name)];
        }

        var names = hosts.ToList();
        return mesh.Registry.Services
            .Where(s => names.Any(n => VirtualServiceScope.Covers(n, s.Hostname)))
            .Select(s => MeshGraphBuilder.ServiceId(s.Hostname))
            .ToList();
    }
}
