using System.Text.Json.Serialization;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Kubernetes;

/// <summary>v1 Pod: labels, service account, containers (ports, images, user ids), IPs and readiness.</summary>
public sealed class Pod : Resource<PodSpec>
{
    public new PodStatus? Status { get; set; }
}

public sealed class PodSpec
{
    public List<Container>? Containers { get; set; }

    public List<Container>? InitContainers { get; set; }

    public string? ServiceAccountName { get; set; }

    public string? NodeName { get; set; }

    public bool? HostNetwork { get; set; }

    public PodSecurityContext? SecurityContext { get; set; }
}

public sealed class Container
{
    public string? Name { get; set; }

    public string? Image { get; set; }

    public List<ContainerPortSpec>? Ports { get; set; }

    public SecurityContext? SecurityContext { get; set; }
}

/// <summary>A container port (named for the Kubernetes field <c>containerPort</c> it carries).</summary>
public sealed class ContainerPortSpec
{
    public string? Name { get; set; }

    public int? ContainerPort { get; set; }

    public string? Protocol { get; set; }
}

public sealed class PodSecurityContext
{
    public long? RunAsUser { get; set; }

    public long? RunAsGroup { get; set; }
}

public sealed class SecurityContext
{
    public long? RunAsUser { get; set; }

    public long? RunAsGroup { get; set; }
}

public sealed class PodStatus
{
    /// <summary>Pending, Running, Succeeded, Failed or Unknown.</summary>
    public string? Phase { get; set; }

    [JsonPropertyName("podIP")]
    public string? PodIp { get; set; }

    [JsonPropertyName("podIPs")]
    public List<PodIpEntry>? PodIps { get; set; }

    public List<PodCondition>? Conditions { get; set; }
}

public sealed class PodIpEntry
{
    public string? Ip { get; set; }
}

public sealed class PodCondition
{
    public string? Type { get; set; }

    public string? Status { get; set; }
}
