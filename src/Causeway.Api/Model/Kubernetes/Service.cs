using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Kubernetes;

/// <summary>v1 Service: the fields a mesh reads (selector, ports with names and appProtocol, addresses, type).</summary>
public sealed class Service : Resource<ServiceSpec>;

public sealed class ServiceSpec
{
    public Dictionary<string, string>? Selector { get; set; }

    public List<ServicePort>? Ports { get; set; }

    /// <summary>ClusterIP (default), NodePort, LoadBalancer or ExternalName.</summary>
    public string? Type { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("clusterIP")]
    public string? ClusterIp { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("clusterIPs")]
    public List<string>? ClusterIps { get; set; }

    public string? ExternalName { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("externalIPs")]
    public List<string>? ExternalIps { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("loadBalancerIP")]
    public string? LoadBalancerIp { get; set; }
}

public sealed class ServicePort
{
    /// <summary>Istio reads the protocol from <c>&lt;protocol&gt;[-suffix]</c> when appProtocol is absent.</summary>
    public string? Name { get; set; }

    /// <summary>TCP (default), UDP or SCTP.</summary>
    public string? Protocol { get; set; }

    public string? AppProtocol { get; set; }

    public int? Port { get; set; }

    public IntOrString? TargetPort { get; set; }

    public int? NodePort { get; set; }
}
