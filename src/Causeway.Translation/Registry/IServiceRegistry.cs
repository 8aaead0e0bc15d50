namespace Causeway.Translation.Registry;

/// <summary>
/// Where services and their instances come from. Today ServiceEntry + WorkloadEntry; the Kubernetes registry
/// (Services, EndpointSlices, Pods) implements the same interface.
/// </summary>
public interface IServiceRegistry
{
    IReadOnlyList<ServiceModel> Services { get; }

    /// <summary>The instances of a service (all ports; callers pick the port).</summary>
    IReadOnlyList<WorkloadInstance> Instances(ServiceModel service);

    /// <summary>All workloads, whether or not a service selects them (a proxy looks itself up here).</summary>
    IReadOnlyList<WorkloadInstance> Workloads { get; }

    /// <summary>The services that select the workload with this namespace and name (a sidecar's inbound side).</summary>
    IReadOnlyList<ServiceModel> ServicesOf(string ns, string name);
}
