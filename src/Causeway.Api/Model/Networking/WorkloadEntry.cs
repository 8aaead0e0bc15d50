using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Networking;

/// <summary>networking.istio.io WorkloadEntry: a workload outside Kubernetes (a VM, or a process on this machine).</summary>
public sealed class WorkloadEntry : Resource<WorkloadEntrySpec>;

/// <summary>Also the shape of a ServiceEntry endpoint and of a WorkloadGroup template.</summary>
public sealed class WorkloadEntrySpec
{
    /// <summary>IP, host name (DNS resolution only) or <c>unix://</c> path.</summary>
    public string? Address { get; set; }

    /// <summary>Service port name to workload port; wins over the ServiceEntry's targetPort.</summary>
    public Dictionary<string, uint>? Ports { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public string? Network { get; set; }

    /// <summary><c>region/zone/subzone</c>.</summary>
    public string? Locality { get; set; }

    public uint? Weight { get; set; }

    public string? ServiceAccount { get; set; }
}
