using System.Text.Json.Serialization;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Networking;

/// <summary>networking.istio.io ServiceEntry: adds a service (and optionally its endpoints) to the registry.</summary>
public sealed class ServiceEntry : Resource<ServiceEntrySpec>;

public sealed class ServiceEntrySpec
{
    public List<string>? Hosts { get; set; }

    /// <summary>Virtual IPs or CIDRs; without them TCP ports match by port only.</summary>
    public List<string>? Addresses { get; set; }

    public List<GatewayPort>? Ports { get; set; }

    /// <summary>Defaults to MESH_EXTERNAL.</summary>
    public ServiceEntryLocation? Location { get; set; }

    /// <summary>Defaults to NONE.</summary>
    public ServiceEntryResolution? Resolution { get; set; }

    public List<WorkloadEntrySpec>? Endpoints { get; set; }

    public NetworkingWorkloadSelector? WorkloadSelector { get; set; }

    public List<string>? ExportTo { get; set; }

    public List<string>? SubjectAltNames { get; set; }
}

public enum ServiceEntryLocation
{
    [JsonStringEnumMemberName("MESH_EXTERNAL")]
    MeshExternal,
    [JsonStringEnumMemberName("MESH_INTERNAL")]
    MeshInternal,
}

public enum ServiceEntryResolution
{
    [JsonStringEnumMemberName("NONE")]
    None,
    [JsonStringEnumMemberName("STATIC")]
    Static,
    [JsonStringEnumMemberName("DNS")]
    Dns,
    [JsonStringEnumMemberName("DNS_ROUND_ROBIN")]
    DnsRoundRobin,
    [JsonStringEnumMemberName("DYNAMIC_DNS")]
    DynamicDns,
}
