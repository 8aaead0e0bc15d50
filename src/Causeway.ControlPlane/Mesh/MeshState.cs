using Causeway.Api.Loading;
using Causeway.Api.Model.Networking;
using Causeway.ControlPlane.Registry;

namespace Causeway.ControlPlane.Mesh;

/// <summary>
/// An immutable view of the mesh's configuration: the validated resources by kind, the service registry and the
/// naming rules. The translation reads it; a change builds a new one.
/// </summary>
public sealed class MeshState
{
    public MeshState(IReadOnlyList<LoadedResource> resources, MeshNames? names = null, IServiceRegistry? registry = null)
    {
        Names = names ?? new MeshNames();
        Resources = resources;
        Registry = registry ?? new ServiceEntryRegistry(resources, Names);
        VirtualServices = Of<VirtualService>();
        DestinationRules = Of<DestinationRule>();
        Gateways = Of<Gateway>();
        Sidecars = Of<Sidecar>();
    }

    public MeshNames Names { get; }

    public IReadOnlyList<LoadedResource> Resources { get; }

    public IServiceRegistry Registry { get; }

    public IReadOnlyList<(LoadedResource Source, VirtualService Resource)> VirtualServices { get; }

    public IReadOnlyList<(LoadedResource Source, DestinationRule Resource)> DestinationRules { get; }

    public IReadOnlyList<(LoadedResource Source, Gateway Resource)> Gateways { get; }

    public IReadOnlyList<(LoadedResource Source, Sidecar Resource)> Sidecars { get; }

    private List<(LoadedResource, T)> Of<T>()
        where T : class =>
        Resources.Where(r => r.Resource is T).Select(r => (r, (T)(object)r.Resource)).ToList();
}
