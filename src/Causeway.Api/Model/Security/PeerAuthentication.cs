using System.Text.Json.Serialization;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Security;

/// <summary>security.istio.io PeerAuthentication: which mTLS mode a workload accepts.</summary>
public sealed class PeerAuthentication : Resource<PeerAuthenticationSpec>;

public sealed class PeerAuthenticationSpec
{
    public WorkloadSelector? Selector { get; set; }

    public MutualTls? Mtls { get; set; }

    /// <summary>Keyed by workload (container) port; needs a selector.</summary>
    public Dictionary<string, MutualTls>? PortLevelMtls { get; set; }
}

public sealed class MutualTls
{
    /// <summary>UNSET inherits; with nothing to inherit it means PERMISSIVE.</summary>
    public MutualTlsMode? Mode { get; set; }
}

public enum MutualTlsMode
{
    [JsonStringEnumMemberName("UNSET")]
    Unset,
    [JsonStringEnumMemberName("DISABLE")]
    Disable,
    [JsonStringEnumMemberName("PERMISSIVE")]
    Permissive,
    [JsonStringEnumMemberName("STRICT")]
    Strict,
}
