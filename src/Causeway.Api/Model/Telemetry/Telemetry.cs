using System.Text.Json.Serialization;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Telemetry;

/// <summary>telemetry.istio.io Telemetry: metrics, access logging and tracing for a scope.</summary>
public sealed class Telemetry : Resource<TelemetrySpec>;

public sealed class TelemetrySpec
{
    public WorkloadSelector? Selector { get; set; }

    public PolicyTargetReference? TargetRef { get; set; }

    public List<PolicyTargetReference>? TargetRefs { get; set; }

    public List<Tracing>? Tracing { get; set; }

    public List<Metrics>? Metrics { get; set; }

    public List<AccessLogging>? AccessLogging { get; set; }
}

public sealed class ProviderRef
{
    public string? Name { get; set; }
}

public sealed class TracingSelector
{
    public WorkloadMode? Mode { get; set; }
}

public enum WorkloadMode
{
    [JsonStringEnumMemberName("CLIENT_AND_SERVER")]
    ClientAndServer,
    [JsonStringEnumMemberName("CLIENT")]
    Client,
    [JsonStringEnumMemberName("SERVER")]
    Server,
}

public sealed class Tracing
{
    public TracingSelector? Match { get; set; }

    public List<ProviderRef>? Providers { get; set; }

    public double? RandomSamplingPercentage { get; set; }

    public bool? DisableSpanReporting { get; set; }

    public Dictionary<string, CustomTag>? CustomTags { get; set; }

    public bool? UseRequestIdForTraceSampling { get; set; }

    public bool? EnableIstioTags { get; set; }

    public bool? DisableContextPropagation { get; set; }
}

public sealed class CustomTag
{
    public LiteralTag? Literal { get; set; }

    public EnvironmentTag? Environment { get; set; }

    public RequestHeaderTag? Header { get; set; }

    public FormatterTag? Formatter { get; set; }
}

public sealed class LiteralTag
{
    public string? Value { get; set; }
}

public sealed class EnvironmentTag
{
    public string? Name { get; set; }

    public string? DefaultValue { get; set; }
}

public sealed class RequestHeaderTag
{
    public string? Name { get; set; }

    public string? DefaultValue { get; set; }
}

public sealed class FormatterTag
{
    public string? Value { get; set; }
}

public sealed class Metrics
{
    public List<ProviderRef>? Providers { get; set; }

    public List<MetricsOverrides>? Overrides { get; set; }

    public ProtoDuration? ReportingInterval { get; set; }
}

public sealed class MetricsOverrides
{
    public MetricSelector? Match { get; set; }

    public bool? Disabled { get; set; }

    public Dictionary<string, TagOverride>? TagOverrides { get; set; }
}

public sealed class MetricSelector
{
    public IstioMetric? Metric { get; set; }

    public string? CustomMetric { get; set; }

    public WorkloadMode? Mode { get; set; }
}

public enum IstioMetric
{
    [JsonStringEnumMemberName("ALL_METRICS")]
    AllMetrics,
    [JsonStringEnumMemberName("REQUEST_COUNT")]
    RequestCount,
    [JsonStringEnumMemberName("REQUEST_DURATION")]
    RequestDuration,
    [JsonStringEnumMemberName("REQUEST_SIZE")]
    RequestSize,
    [JsonStringEnumMemberName("RESPONSE_SIZE")]
    ResponseSize,
    [JsonStringEnumMemberName("TCP_OPENED_CONNECTIONS")]
    TcpOpenedConnections,
    [JsonStringEnumMemberName("TCP_CLOSED_CONNECTIONS")]
    TcpClosedConnections,
    [JsonStringEnumMemberName("TCP_SENT_BYTES")]
    TcpSentBytes,
    [JsonStringEnumMemberName("TCP_RECEIVED_BYTES")]
    TcpReceivedBytes,
    [JsonStringEnumMemberName("GRPC_REQUEST_MESSAGES")]
    GrpcRequestMessages,
    [JsonStringEnumMemberName("GRPC_RESPONSE_MESSAGES")]
    GrpcResponseMessages,
}

public sealed class TagOverride
{
    public TagOperation? Operation { get; set; }

    /// <summary>A CEL expression.</summary>
    public string? Value { get; set; }
}

public enum TagOperation
{
    [JsonStringEnumMemberName("UPSERT")]
    Upsert,
    [JsonStringEnumMemberName("REMOVE")]
    Remove,
}

public sealed class AccessLogging
{
    public TracingSelector? Match { get; set; }

    public List<ProviderRef>? Providers { get; set; }

    public bool? Disabled { get; set; }

    public AccessLogFilter? Filter { get; set; }
}

public sealed class AccessLogFilter
{
    /// <summary>A CEL expression over request attributes.</summary>
    public string? Expression { get; set; }
}
