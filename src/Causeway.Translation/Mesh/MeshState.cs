using Causeway.Api.Loading;
using Causeway.Api.Model.Networking;
using Causeway.Translation.Registry;

namespace Causeway.Translation.Mesh;

/// <summary>
/// An immutable view of the mesh's configuration: the validated resources by kind, the service registry and the
/// naming rules. The translation reads it; a change builds a new one.
/// </summary>
public sealed class MeshState
{
    private readonly Dictionary<string, ServiceModel> servicesByHost = new(StringComparer.Ordinal);

    public MeshState(IReadOnlyList<LoadedResource> resources, MeshNames? names = null, IServiceRegistry? registry = null, MeshSettings? settings = null)
    {
        Names = names ?? new MeshNames();
        Settings = settings ?? MeshSettings.Default;
        Resources = resources;
        Registry = registry ?? CombinedRegistry.For(resources, Names);
        VirtualServices = Of<VirtualService>();
        DestinationRules = Of<DestinationRule>();
        Gateways = Of<Gateway>();
        Sidecars = Of<Sidecar>();
        foreach (var service in Registry.Services)
        {
            servicesByHost.TryAdd(service.Hostname, service); // the first declared wins, as a scan in order would
        }
    }

    public MeshNames Names { get; }

    public MeshSettings Settings { get; }

    /// <summary>
    /// The key sets RequestAuthentications name by jwksUri, as the control plane fetched them (istiod fetches and
    /// inlines them too): the translation stays free of I/O. A URI missing here was not fetched (its tokens fail).
    /// </summary>
    public IReadOnlyDictionary<string, FetchedJwks> Jwks { get; init; } = new Dictionary<string, FetchedJwks>();

    public IReadOnlyList<LoadedResource> Resources { get; }

    public IServiceRegistry Registry { get; }

    public IReadOnlyList<(LoadedResource Source, VirtualService Resource)> VirtualServices { get; }

    public IReadOnlyList<(LoadedResource Source, DestinationRule Resource)> DestinationRules { get; }

    public IReadOnlyList<(LoadedResource Source, Gateway Resource)> Gateways { get; }

    public IReadOnlyList<(LoadedResource Source, Sidecar Resource)> Sidecars { get; }

    /// <summary>
    /// The registry's service with this fully qualified host name, or null. Every route destination is resolved
    /// through here, so it is a lookup rather than a scan of all services.
    /// </summary>
    public ServiceModel? Service(string hostname) => servicesByHost.GetValueOrDefault(hostname);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, object> derived = new();

    /// <summary>
    /// An index derived from this state, built on first use and then shared: every proxy's translation of one config
    /// generation uses the same indexes instead of building its own.
    /// </summary>
    internal T Cached<T>(Func<MeshState, T> build)
        where T : class =>
        (T)derived.GetOrAdd(typeof(T), static (_, arg) => arg.build(arg.state), (build, state: this));

    private List<(LoadedResource, T)> Of<T>()
        where T : class =>
        Resources.Where(r => r.Resource is T).Select(r => (r, (T)(object)r.Resource)).ToList();
}
