namespace Causeway.Translation.Registry;

/// <summary>
/// Several registries seen as one, as istiod aggregates its Kubernetes and ServiceEntry controllers: services and
/// workloads are the union, each service's instances come from the registry that declared it.
/// </summary>
public sealed class CombinedRegistry : IServiceRegistry
{
    private readonly IReadOnlyList<IServiceRegistry> parts;
    private readonly Dictionary<ServiceModel, IServiceRegistry> owner = [];

    public CombinedRegistry(params IReadOnlyList<IServiceRegistry> parts)
    {
        this.parts = parts;
        var services = new List<ServiceModel>();
        foreach (var part in parts)
        {
            foreach (var service in part.Services)
            {
                owner.TryAdd(service, part);
                services.Add(service);
            }
        }

        Services = services;
        Workloads = [.. parts.SelectMany(p => p.Workloads)];
    }

    /// <summary>The mesh's registry for these resources: Kubernetes Services, Pods and EndpointSlices, then ServiceEntries and WorkloadEntries.</summary>
    public static IServiceRegistry For(IReadOnlyList<Api.Loading.LoadedResource> resources, MeshNames names) =>
        new CombinedRegistry(new KubernetesRegistry(resources, names), new ServiceEntryRegistry(resources, names));

    public IReadOnlyList<ServiceModel> Services { get; }

    public IReadOnlyList<WorkloadInstance> Workloads { get; }

    public IReadOnlyList<WorkloadInstance> Instances(ServiceModel service) => owner.TryGetValue(service, out var part) ? part.Instances(service) : [];

    public IReadOnlyList<ServiceModel> ServicesOf(string ns, string name) => [.. parts.SelectMany(p => p.ServicesOf(ns, name))];
}
