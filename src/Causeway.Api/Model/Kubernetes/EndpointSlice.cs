using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Kubernetes;

/// <summary>discovery.k8s.io/v1 EndpointSlice (no spec).</summary>
public sealed class EndpointSlice : Resource
{
    /// <summary>IPv4, IPv6 or FQDN.</summary>
    public string? AddressType { get; set; }

    public List<SliceEndpoint>? Endpoints { get; set; }

    public List<EndpointPort>? Ports { get; set; }
}

public sealed class SliceEndpoint
{
    public List<string>? Addresses { get; set; }

    public EndpointConditions? Conditions { get; set; }

    public string? Hostname { get; set; }

    public string? NodeName { get; set; }

    public string? Zone { get; set; }

    public ObjectReference? TargetRef { get; set; }
}

public sealed class EndpointConditions
{
    /// <summary>Absent means ready (the API says to treat unknown as ready).</summary>
    public bool? Ready { get; set; }

    public bool? Serving { get; set; }

    public bool? Terminating { get; set; }
}
