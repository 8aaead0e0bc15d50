using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Networking;

/// <summary>networking.istio.io WorkloadGroup: a template for WorkloadEntries that register themselves.</summary>
public sealed class WorkloadGroup : Resource<WorkloadGroupSpec>;

public sealed class WorkloadGroupSpec
{
    public WorkloadGroupObjectMeta? Metadata { get; set; }

    public WorkloadEntrySpec? Template { get; set; }

    public ReadinessProbe? Probe { get; set; }
}

public sealed class WorkloadGroupObjectMeta
{
    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }
}

public sealed class ReadinessProbe
{
    public int? InitialDelaySeconds { get; set; }

    public int? TimeoutSeconds { get; set; }

    public int? PeriodSeconds { get; set; }

    public int? SuccessThreshold { get; set; }

    public int? FailureThreshold { get; set; }

    public HttpHealthCheckConfig? HttpGet { get; set; }

    public TcpHealthCheckConfig? TcpSocket { get; set; }

    public ExecHealthCheckConfig? Exec { get; set; }

    public GrpcHealthCheckConfig? Grpc { get; set; }
}

public sealed class HttpHealthCheckConfig
{
    public string? Path { get; set; }

    public uint? Port { get; set; }

    public string? Host { get; set; }

    public string? Scheme { get; set; }

    public List<HttpHeader>? HttpHeaders { get; set; }
}

public sealed class HttpHeader
{
    public string? Name { get; set; }

    public string? Value { get; set; }
}

public sealed class TcpHealthCheckConfig
{
    public string? Host { get; set; }

    public uint? Port { get; set; }
}

public sealed class ExecHealthCheckConfig
{
    public List<string>? Command { get; set; }
}

public sealed class GrpcHealthCheckConfig
{
    public uint? Port { get; set; }

    public string? Service { get; set; }
}
