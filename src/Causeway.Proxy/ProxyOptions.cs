using System.Net;

namespace Causeway.Proxy;

/// <summary>Where the proxy's listeners bind on this machine.</summary>
public sealed class ProxyOptions
{
    /// <summary>
    /// Outbound (sidecar) listeners without an address bind here; 127.0.0.1 by default. <see cref="IPAddress.None"/>
    /// binds only outbound listeners that have their own address (a Sidecar egress <c>bind</c>): local mode, where many
    /// sidecars share one machine.
    /// </summary>
    public IPAddress OutboundAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Gateway listeners bind here; all interfaces by default.</summary>
    public IPAddress GatewayAddress { get; init; } = IPAddress.Any;

    /// <summary>
    /// Config port to local port, for ports that cannot or should not be bound as declared (Istio's ingress maps
    /// Service port 80 to 8080 in its pod; on one machine a gateway on port 80 might map to 18080).
    /// </summary>
    public IReadOnlyDictionary<uint, int> PortMap { get; init; } = new Dictionary<uint, int>();

    public IPAddress AdminAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Where spans go (an OTLP/HTTP collector, e.g. http://127.0.0.1:4318); none: spans are not exported.</summary>
    public Uri? TracingEndpoint { get; init; }

    /// <summary>
    /// Istio's pod-facing status port (15021 on every address in a pod): /healthz/ready for the kubelet's readiness
    /// probe and /stats/prometheus for scrapes, nothing else of the admin listener; null: none.
    /// </summary>
    public IPEndPoint? StatusAddress { get; init; }

    /// <summary>Envoy's admin port by default; 0 picks a free port.</summary>
    public int AdminPort { get; init; } = 15000;

    /// <summary>
    /// Downstream connection limits: overall (by default from the file descriptor limit, see
    /// <see cref="Listeners.ConnectionLimits.DefaultOverall"/>) and per listener (by default none: only the overall one).
    /// </summary>
    public Listeners.ConnectionLimits Connections { get; init; } = DefaultConnections();

    public static Listeners.ConnectionLimits DefaultConnections(int? overall = null, int? perListener = null)
    {
        var total = overall ?? (Listeners.ConnectionLimits.FileDescriptorLimit() is { } fds ? Listeners.ConnectionLimits.DefaultOverall(fds) : int.MaxValue);
        return new Listeners.ConnectionLimits(total, perListener ?? int.MaxValue);
    }
}
