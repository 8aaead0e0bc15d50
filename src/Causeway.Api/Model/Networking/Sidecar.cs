using System.Text.Json.Serialization;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Networking;

/// <summary>networking.istio.io Sidecar: scopes what a workload's proxy listens for and can reach.</summary>
public sealed class Sidecar : Resource<SidecarSpec>;

public sealed class SidecarSpec
{
    /// <summary>Omitted: the Sidecar applies to the whole namespace (or the mesh, in the root namespace).</summary>
    public NetworkingWorkloadSelector? WorkloadSelector { get; set; }

    public List<IstioIngressListener>? Ingress { get; set; }

    public List<IstioEgressListener>? Egress { get; set; }

    public ConnectionPoolSettings? InboundConnectionPool { get; set; }

    public OutboundTrafficPolicy? OutboundTrafficPolicy { get; set; }
}

public sealed class SidecarPort
{
    public uint? Number { get; set; }

    public string? Protocol { get; set; }

    public string? Name { get; set; }

    public uint? TargetPort { get; set; }
}

public sealed class IstioIngressListener
{
    public SidecarPort? Port { get; set; }

    public string? Bind { get; set; }

    public CaptureMode? CaptureMode { get; set; }

    /// <summary><c>127.0.0.1:PORT</c>, <c>0.0.0.0:PORT</c>, <c>[::1]:PORT</c> or <c>unix://path</c>.</summary>
    public string? DefaultEndpoint { get; set; }

    public ServerTlsSettings? Tls { get; set; }

    public ConnectionPoolSettings? ConnectionPool { get; set; }
}

public sealed class IstioEgressListener
{
    public SidecarPort? Port { get; set; }

    public string? Bind { get; set; }

    public CaptureMode? CaptureMode { get; set; }

    /// <summary><c>namespace/dnsName</c>; <c>*/</c>, <c>./</c>, <c>~/</c> as in Istio.</summary>
    public List<string>? Hosts { get; set; }
}

public enum CaptureMode
{
    [JsonStringEnumMemberName("DEFAULT")]
    Default,
    [JsonStringEnumMemberName("IPTABLES")]
    Iptables,
    [JsonStringEnumMemberName("NONE")]
    None,
}

public sealed class OutboundTrafficPolicy
{
    /// <summary>Istio's mesh default is ALLOW_ANY.</summary>
    public OutboundTrafficMode? Mode { get; set; }

    public Destination? EgressProxy { get; set; }
}

public enum OutboundTrafficMode
{
    [JsonStringEnumMemberName("REGISTRY_ONLY")]
    RegistryOnly,
    [JsonStringEnumMemberName("ALLOW_ANY")]
    AllowAny,
}
