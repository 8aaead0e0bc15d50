using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Kubernetes;

/// <summary>v1 Endpoints (the older endpoint API; no spec).</summary>
public sealed class Endpoints : Resource
{
    public List<EndpointSubset>? Subsets { get; set; }
}

public sealed class EndpointSubset
{
    public List<EndpointAddress>? Addresses { get; set; }

    public List<EndpointAddress>? NotReadyAddresses { get; set; }

    public List<EndpointPort>? Ports { get; set; }
}

public sealed class EndpointAddress
{
    public string? Ip { get; set; }

    public string? Hostname { get; set; }

    public string? NodeName { get; set; }

    public ObjectReference? TargetRef { get; set; }
}

public sealed class EndpointPort
{
    public string? Name { get; set; }

    public int? Port { get; set; }

    public string? Protocol { get; set; }

    public string? AppProtocol { get; set; }
}

public sealed class ObjectReference
{
    public string? Kind { get; set; }

    public string? Name { get; set; }

    public string? Namespace { get; set; }

    public string? Uid { get; set; }
}
