using System.Text.Json.Serialization;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Networking;

/// <summary>networking.istio.io DestinationRule: policies applied after routing.</summary>
public sealed class DestinationRule : Resource<DestinationRuleSpec>;

public sealed class DestinationRuleSpec
{
    /// <summary>Short names resolve against the DestinationRule's namespace.</summary>
    public string? Host { get; set; }

    public TrafficPolicy? TrafficPolicy { get; set; }

    public List<Subset>? Subsets { get; set; }

    public List<string>? ExportTo { get; set; }

    public WorkloadSelector? WorkloadSelector { get; set; }
}

public sealed class TrafficPolicy
{
    public LoadBalancerSettings? LoadBalancer { get; set; }

    public ConnectionPoolSettings? ConnectionPool { get; set; }

    public OutlierDetection? OutlierDetection { get; set; }

    public ClientTlsSettings? Tls { get; set; }

    /// <summary>Per-port policies; they override (not inherit from) the top-level policy.</summary>
    public List<PortTrafficPolicy>? PortLevelSettings { get; set; }

    public TunnelSettings? Tunnel { get; set; }

    public ProxyProtocol? ProxyProtocol { get; set; }

    public RetryBudget? RetryBudget { get; set; }
}

public sealed class PortTrafficPolicy
{
    public PortSelector? Port { get; set; }

    public LoadBalancerSettings? LoadBalancer { get; set; }

    public ConnectionPoolSettings? ConnectionPool { get; set; }

    public OutlierDetection? OutlierDetection { get; set; }

    public ClientTlsSettings? Tls { get; set; }
}

public sealed class Subset
{
    public string? Name { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Overrides the rule-level policy field by field, only for traffic routed to this subset.</summary>
    public TrafficPolicy? TrafficPolicy { get; set; }
}

public sealed class LoadBalancerSettings
{
    public SimpleLb? Simple { get; set; }

    public ConsistentHashLb? ConsistentHash { get; set; }

    public LocalityLoadBalancerSetting? LocalityLbSetting { get; set; }

    /// <summary>Deprecated: use <see cref="Warmup"/>.</summary>
    public ProtoDuration? WarmupDurationSecs { get; set; }

    public WarmupConfiguration? Warmup { get; set; }

    /// <summary>Istio's default since 1.14 is LEAST_REQUEST; LEAST_CONN is its deprecated alias.</summary>
    [JsonIgnore]
    public SimpleLb EffectiveSimple => Simple switch
    {
        null or SimpleLb.Unspecified or SimpleLb.LeastConn => SimpleLb.LeastRequest,
        { } s => s,
    };
}

public enum SimpleLb
{
    [JsonStringEnumMemberName("UNSPECIFIED")]
    Unspecified,
    [JsonStringEnumMemberName("LEAST_CONN")]
    LeastConn,
    [JsonStringEnumMemberName("RANDOM")]
    Random,
    [JsonStringEnumMemberName("PASSTHROUGH")]
    Passthrough,
    [JsonStringEnumMemberName("ROUND_ROBIN")]
    RoundRobin,
    [JsonStringEnumMemberName("LEAST_REQUEST")]
    LeastRequest,
}

public sealed class ConsistentHashLb
{
    public string? HttpHeaderName { get; set; }

    public HttpCookie? HttpCookie { get; set; }

    public bool? UseSourceIp { get; set; }

    public string? HttpQueryParameterName { get; set; }

    public RingHash? RingHash { get; set; }

    public MagLev? Maglev { get; set; }

    /// <summary>Deprecated: use <c>ringHash.minimumRingSize</c>.</summary>
    public ulong? MinimumRingSize { get; set; }
}

public sealed class HttpCookie
{
    public string? Name { get; set; }

    public string? Path { get; set; }

    /// <summary>When set and the cookie is absent, the proxy generates it; 0 means a session cookie.</summary>
    public ProtoDuration? Ttl { get; set; }

    public List<CookieAttribute>? Attributes { get; set; }
}

public sealed class CookieAttribute
{
    public string? Name { get; set; }

    public string? Value { get; set; }
}

public sealed class RingHash
{
    /// <summary>Defaults to 1024.</summary>
    public ulong? MinimumRingSize { get; set; }
}

public sealed class MagLev
{
    /// <summary>Must be prime; defaults to 65537.</summary>
    public ulong? TableSize { get; set; }
}

public sealed class LocalityLoadBalancerSetting
{
    public List<LocalityDistribute>? Distribute { get; set; }

    public List<LocalityFailover>? Failover { get; set; }

    public List<string>? FailoverPriority { get; set; }

    public bool? Enabled { get; set; }
}

public sealed class LocalityDistribute
{
    public string? From { get; set; }

    public Dictionary<string, uint>? To { get; set; }
}

public sealed class LocalityFailover
{
    public string? From { get; set; }

    public string? To { get; set; }
}

public sealed class WarmupConfiguration
{
    public ProtoDuration? Duration { get; set; }

    /// <summary>Defaults to 10.</summary>
    public double? MinimumPercent { get; set; }

    /// <summary>Defaults to 1.0.</summary>
    public double? Aggression { get; set; }
}

public sealed class ConnectionPoolSettings
{
    public TcpSettings? Tcp { get; set; }

    public HttpSettings? Http { get; set; }
}

public sealed class TcpSettings
{
    public int? MaxConnections { get; set; }

    /// <summary>Defaults to 10s.</summary>
    public ProtoDuration? ConnectTimeout { get; set; }

    public TcpKeepalive? TcpKeepalive { get; set; }

    public ProtoDuration? MaxConnectionDuration { get; set; }

    /// <summary>Defaults to 1h; 0s disables.</summary>
    public ProtoDuration? IdleTimeout { get; set; }
}

public sealed class TcpKeepalive
{
    public uint? Probes { get; set; }

    public ProtoDuration? Time { get; set; }

    public ProtoDuration? Interval { get; set; }
}

public sealed class HttpSettings
{
    public int? Http1MaxPendingRequests { get; set; }

    public int? Http2MaxRequests { get; set; }

    /// <summary>0 means unlimited; 1 disables keep-alive.</summary>
    public int? MaxRequestsPerConnection { get; set; }

    public int? MaxRetries { get; set; }

    public ProtoDuration? IdleTimeout { get; set; }

    public H2UpgradePolicy? H2UpgradePolicy { get; set; }

    public bool? UseClientProtocol { get; set; }

    public int? MaxConcurrentStreams { get; set; }
}

public enum H2UpgradePolicy
{
    [JsonStringEnumMemberName("DEFAULT")]
    Default,
    [JsonStringEnumMemberName("DO_NOT_UPGRADE")]
    DoNotUpgrade,
    [JsonStringEnumMemberName("UPGRADE")]
    Upgrade,
}

public sealed class OutlierDetection
{
    public bool? SplitExternalLocalOriginErrors { get; set; }

    public uint? ConsecutiveLocalOriginFailures { get; set; }

    public uint? ConsecutiveGatewayErrors { get; set; }

    public uint? Consecutive5xxErrors { get; set; }

    public ProtoDuration? Interval { get; set; }

    public ProtoDuration? BaseEjectionTime { get; set; }

    public int? MaxEjectionPercent { get; set; }

    public int? MinHealthPercent { get; set; }

    /// <summary>Deprecated: use <see cref="Consecutive5xxErrors"/>.</summary>
    public int? ConsecutiveErrors { get; set; }

    [JsonIgnore]
    public uint EffectiveConsecutive5xxErrors => Consecutive5xxErrors ?? IstioDefaults.OutlierConsecutive5xxErrors;

    [JsonIgnore]
    public ProtoDuration EffectiveInterval => Interval ?? IstioDefaults.OutlierInterval;

    [JsonIgnore]
    public ProtoDuration EffectiveBaseEjectionTime => BaseEjectionTime ?? IstioDefaults.OutlierBaseEjectionTime;

    [JsonIgnore]
    public int EffectiveMaxEjectionPercent => MaxEjectionPercent ?? IstioDefaults.OutlierMaxEjectionPercent;

    [JsonIgnore]
    public int EffectiveMinHealthPercent => MinHealthPercent ?? IstioDefaults.OutlierMinHealthPercent;
}

public sealed class ClientTlsSettings
{
    public ClientTlsMode? Mode { get; set; }

    public string? ClientCertificate { get; set; }

    public string? PrivateKey { get; set; }

    public string? CaCertificates { get; set; }

    public string? CredentialName { get; set; }

    public List<string>? SubjectAltNames { get; set; }

    public string? Sni { get; set; }

    public bool? InsecureSkipVerify { get; set; }

    public string? CaCrl { get; set; }
}

public enum ClientTlsMode
{
    [JsonStringEnumMemberName("DISABLE")]
    Disable,
    [JsonStringEnumMemberName("SIMPLE")]
    Simple,
    [JsonStringEnumMemberName("MUTUAL")]
    Mutual,
    [JsonStringEnumMemberName("ISTIO_MUTUAL")]
    IstioMutual,
}

public sealed class TunnelSettings
{
    /// <summary>CONNECT (default) or POST.</summary>
    public string? Protocol { get; set; }

    public string? TargetHost { get; set; }

    public uint? TargetPort { get; set; }
}

public sealed class ProxyProtocol
{
    public ProxyProtocolVersion? Version { get; set; }
}

public enum ProxyProtocolVersion
{
    [JsonStringEnumMemberName("V1")]
    V1,
    [JsonStringEnumMemberName("V2")]
    V2,
}

public sealed class RetryBudget
{
    /// <summary>Defaults to 20%.</summary>
    public double? Percent { get; set; }

    /// <summary>Defaults to 3.</summary>
    public uint? MinRetryConcurrency { get; set; }
}
