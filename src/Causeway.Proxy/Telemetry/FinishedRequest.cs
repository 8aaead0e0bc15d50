using System.Diagnostics;
using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// An HTTP request once it is answered, as the proxy's counters, Istio's metrics, the span and the access log
/// report it: where it arrived (snapshot, direction, listener, start), where it went (cluster, host, route) and how it
/// ended (status, Envoy's flags, bytes, gRPC status and messages, whether the answer came from upstream).
/// </summary>
internal readonly struct FinishedRequest(HttpContext context, ProxySnapshot? snapshot, TrafficDirection direction, long start, ListenerCounters listener)
{
    public HttpContext Context { get; } = context;

    public ProxySnapshot? Snapshot { get; } = snapshot;

    public TrafficDirection Direction { get; } = direction;

    /// <summary>Stopwatch timestamp of the request's arrival.</summary>
    public long Start { get; } = start;

    public ListenerCounters Listener { get; } = listener;

    public Activity? Span { get; init; }

    /// <summary>The destination cluster, when the request got as far as choosing one.</summary>
    public Cluster? Cluster { get; init; }

    /// <summary>The cluster's name, also when it does not exist (503 NC).</summary>
    public string ClusterName { get; init; } = "";

    public UpstreamEndpoint? Endpoint { get; init; }

    public int Status { get; init; }

    public string Flags { get; init; } = ResponseFlags.None;

    /// <summary>The id sent upstream (generated when the caller had none); empty for local replies.</summary>
    public string RequestId { get; init; } = "";

    public string RouteName { get; init; } = "";

    public long RequestBytes { get; init; }

    public long ResponseBytes { get; init; }

    public bool Grpc { get; init; }

    /// <summary>grpc-status of the response; -1 when it had none.</summary>
    public int GrpcStatus { get; init; } = -1;

    public long RequestMessages { get; init; }

    public long ResponseMessages { get; init; }

    /// <summary>The response came from upstream (Envoy's <c>via_upstream</c>), not from the proxy.</summary>
    public bool FromUpstream { get; init; }

    /// <summary>Envoy's response code details when the flags alone do not give them (<c>upgrade_failed</c>, <c>http1.invalid_characters</c>).</summary>
    public string Details { get; init; } = "";
}
