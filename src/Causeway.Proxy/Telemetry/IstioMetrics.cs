using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Causeway.Protocol.Metrics;
using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;
using Causeway.Proxy.Runtime;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// Istio's standard metrics as this proxy reports them (istio.io "Istio Standard Metrics"): istio_requests_total,
/// istio_request_duration_milliseconds, istio_request_bytes and istio_response_bytes for HTTP and gRPC, the gRPC
/// message counters (istio_request_messages_total, istio_response_messages_total), and the
/// istio_tcp_* counters for TCP, with Istio's label names. A series is found by a small struct key (strings and
/// numbers, compared by value) in a concurrent dictionary and updated with interlocked adds: no lock and no allocation
/// per request once its label set has been seen. Labels are formatted once, when a series is created.
/// </summary>
public sealed class IstioMetrics
{
    private readonly ConcurrentDictionary<RequestKey, RequestSeries> requests = new();
    private readonly ConcurrentDictionary<TcpKey, TcpSeries> tcp = new();

    /// <summary>How requests are reported: from the proxy's own identity and the route's destination.</summary>
    public void RecordRequest(ProxySnapshot? snapshot, TrafficDirection direction, ClusterRuntime? cluster, UpstreamEndpoint? endpoint, int code, string flags, bool grpc, int grpcStatus, double durationMs, long requestBytes, long responseBytes, long requestMessages = 0, long responseMessages = 0)
    {
        if (snapshot is { IstioMetricsDisabled: true })
        {
            return;
        }

        var key = new RequestKey(direction == TrafficDirection.Inbound, cluster?.Name ?? "", endpoint?.Source.Workload ?? "", code, flags, grpc, grpcStatus);
        if (!requests.TryGetValue(key, out var series))
        {
            series = requests.GetOrAdd(key, k => new RequestSeries(Labels(snapshot, k.Inbound, cluster, endpoint, grpc ? "grpc" : "http") +
                $",response_code=\"{k.Code.ToString(CultureInfo.InvariantCulture)}\",grpc_response_status=\"{(k.Grpc && k.GrpcStatus >= 0 ? k.GrpcStatus.ToString(CultureInfo.InvariantCulture) : "")}\",response_flags=\"{Escape(k.Flags)}\""));
        }

        Interlocked.Increment(ref series.Count);
        if (grpc)
        {
            Interlocked.Add(ref series.RequestMessages, requestMessages);
            Interlocked.Add(ref series.ResponseMessages, responseMessages);
        }

        series.Duration.Observe(durationMs);
        series.RequestBytes.Observe(requestBytes);
        series.ResponseBytes.Observe(responseBytes);
    }

    public void TcpOpened(ProxySnapshot? snapshot, TrafficDirection direction, ClusterRuntime cluster, UpstreamEndpoint? endpoint)
    {
        if (snapshot is not { IstioMetricsDisabled: true })
        {
            Interlocked.Increment(ref Tcp(snapshot, direction, cluster, endpoint, ResponseFlagsNone).Opened);
        }
    }

    public void TcpClosed(ProxySnapshot? snapshot, TrafficDirection direction, ClusterRuntime cluster, UpstreamEndpoint? endpoint, string flags, long sent, long received)
    {
        if (snapshot is { IstioMetricsDisabled: true })
        {
            return;
        }

        var series = Tcp(snapshot, direction, cluster, endpoint, flags);
        Interlocked.Increment(ref series.Closed);
        Interlocked.Add(ref series.Sent, sent);
        Interlocked.Add(ref series.Received, received);
    }

    private const string ResponseFlagsNone = "-";

    private TcpSeries Tcp(ProxySnapshot? snapshot, TrafficDirection direction, ClusterRuntime cluster, UpstreamEndpoint? endpoint, string flags)
    {
        var key = new TcpKey(direction == TrafficDirection.Inbound, cluster.Name, endpoint?.Source.Workload ?? "", flags);
        return tcp.TryGetValue(key, out var series)
            ? series
            : tcp.GetOrAdd(key, k => new TcpSeries(Labels(snapshot, k.Inbound, cluster, endpoint, "tcp") + $",response_flags=\"{Escape(k.Flags)}\""));
    }

    /// <summary>The Prometheus text exposition (version 0.0.4) of every series.</summary>
    public string Render()
    {
        var text = new PrometheusText();
        var series = requests.Values.OrderBy(s => s.Labels, StringComparer.Ordinal).ToList();
        Counter(text, "istio_requests_total", "Requests handled by this proxy.", series.Select(s => (s.Labels, Interlocked.Read(ref s.Count))));
        Histograms(text, "istio_request_duration_milliseconds", "Request duration.", series.Select(s => (s.Labels, s.Duration)));
        Histograms(text, "istio_request_bytes", "Request body sizes.", series.Select(s => (s.Labels, s.RequestBytes)));
        Histograms(text, "istio_response_bytes", "Response body sizes.", series.Select(s => (s.Labels, s.ResponseBytes)));
        var grpcSeries = series.Where(s => s.Labels.Contains("request_protocol=\"grpc\"", StringComparison.Ordinal)).ToList();
        Counter(text, "istio_request_messages_total", "gRPC messages sent by the client.", grpcSeries.Select(s => (s.Labels, Interlocked.Read(ref s.RequestMessages))));
        Counter(text, "istio_response_messages_total", "gRPC messages sent by the server.", grpcSeries.Select(s => (s.Labels, Interlocked.Read(ref s.ResponseMessages))));
        var connections = tcp.Values.OrderBy(s => s.Labels, StringComparer.Ordinal).ToList();
        Counter(text, "istio_tcp_sent_bytes_total", "Bytes sent to the downstream during TCP connections.", connections.Select(s => (s.Labels, Interlocked.Read(ref s.Sent))));
        Counter(text, "istio_tcp_received_bytes_total", "Bytes received from the downstream during TCP connections.", connections.Select(s => (s.Labels, Interlocked.Read(ref s.Received))));
        Counter(text, "istio_tcp_connections_opened_total", "TCP connections opened.", connections.Select(s => (s.Labels, Interlocked.Read(ref s.Opened))));
        Counter(text, "istio_tcp_connections_closed_total", "TCP connections closed.", connections.Select(s => (s.Labels, Interlocked.Read(ref s.Closed))));
        return text.ToString();
    }

    private static void Counter(PrometheusText text, string name, string help, IEnumerable<(string Labels, long Value)> values)
    {
        text.Family(name, "counter", help);
        foreach (var (labels, value) in values)
        {
            text.Sample(name, labels, value);
        }
    }

    private static void Histograms(PrometheusText text, string name, string help, IEnumerable<(string Labels, Histogram Histogram)> values)
    {
        text.Family(name, "histogram", help);
        foreach (var (labels, h) in values)
        {
            foreach (var (le, count) in h.Cumulative())
            {
                text.Sample(name + "_bucket", labels + ",le=\"" + le + "\"", count);
            }

            text.Sample(name + "_sum", labels, h.Sum.ToString("0.###", CultureInfo.InvariantCulture));
            text.Sample(name + "_count", labels, h.Count);
        }
    }

    /// <summary>
    /// Istio's standard labels. reporter: <c>source</c> for a client sidecar or a gateway, <c>destination</c> for a
    /// server sidecar. The proxy's own side comes from its identity; the peer's from the endpoint (for source
    /// reports) or is <c>unknown</c> (for destination reports: peer metadata travels with mTLS, which comes later).
    /// </summary>
    private static string Labels(ProxySnapshot? snapshot, bool inbound, ClusterRuntime? cluster, UpstreamEndpoint? endpoint, string protocol)
    {
        var me = snapshot?.Proxy;
        var service = cluster?.Cluster.Service ?? "";
        var (serviceName, serviceNamespace) = SplitService(service);
        Peer self = me is null ? Peer.Unknown : new Peer(me.Name, me.Namespace, me.Labels);
        Peer destination;
        Peer source;
        if (inbound)
        {
            source = Peer.Unknown;
            destination = self;
        }
        else
        {
            source = self;
            destination = endpoint is null ? Peer.Unknown : Peer.OfWorkload(endpoint.Source.Workload, endpoint.Source.Labels);
        }

        var sb = new StringBuilder();
        Add(sb, "reporter", inbound ? "destination" : "source");
        Add(sb, "source_workload", source.Workload);
        Add(sb, "source_workload_namespace", source.Namespace);
        Add(sb, "source_principal", "unknown");
        Add(sb, "source_app", source.App);
        Add(sb, "source_version", source.Version);
        Add(sb, "source_canonical_service", source.CanonicalService);
        Add(sb, "source_canonical_revision", source.CanonicalRevision);
        Add(sb, "source_cluster", "Kubernetes");
        Add(sb, "destination_workload", destination.Workload);
        Add(sb, "destination_workload_namespace", destination.Namespace);
        Add(sb, "destination_principal", "unknown");
        Add(sb, "destination_app", destination.App);
        Add(sb, "destination_version", destination.Version);
        Add(sb, "destination_service", service.Length > 0 ? service : "unknown");
        Add(sb, "destination_service_name", serviceName);
        Add(sb, "destination_service_namespace", serviceNamespace);
        Add(sb, "destination_canonical_service", destination.CanonicalService);
        Add(sb, "destination_canonical_revision", destination.CanonicalRevision);
        Add(sb, "destination_cluster", "Kubernetes");
        Add(sb, "request_protocol", protocol);
        // Plaintext today: Istio reports "none" at the destination without mTLS, and "unknown" at the source.
        Add(sb, "connection_security_policy", inbound ? "none" : "unknown", last: true);
        return sb.ToString();
    }

    private static (string Name, string Namespace) SplitService(string fqdn)
    {
        if (fqdn.Length == 0)
        {
            return ("unknown", "unknown");
        }

        var parts = fqdn.Split('.');
        return parts.Length >= 2 && fqdn.EndsWith(".svc.cluster.local", StringComparison.Ordinal) ? (parts[0], parts[1]) : (fqdn, "unknown");
    }

    private static void Add(StringBuilder sb, string name, string value, bool last = false)
    {
        sb.Append(name).Append("=\"").Append(Escape(value.Length == 0 ? "unknown" : value)).Append('"');
        if (!last)
        {
            sb.Append(',');
        }
    }

    /// <summary>Prometheus label value escaping: backslash, double quote and line feed.</summary>
    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private readonly record struct RequestKey(bool Inbound, string Cluster, string Workload, int Code, string Flags, bool Grpc, int GrpcStatus);

    private readonly record struct TcpKey(bool Inbound, string Cluster, string Workload, string Flags);

    private sealed class RequestSeries(string labels)
    {
        public long Count;
        public long RequestMessages;
        public long ResponseMessages;

        public string Labels { get; } = labels;

        public Histogram Duration { get; } = new();

        public Histogram RequestBytes { get; } = new();

        public Histogram ResponseBytes { get; } = new();
    }

    private sealed class TcpSeries(string labels)
    {
        public long Opened;
        public long Closed;
        public long Sent;
        public long Received;

        public string Labels { get; } = labels;
    }

    /// <summary>One side of a request: workload, namespace, app, version and Istio's canonical service and revision.</summary>
    private sealed record Peer(string Workload, string Namespace, string App, string Version, string CanonicalService, string CanonicalRevision)
    {
        public static readonly Peer Unknown = new("unknown", "unknown", "unknown", "unknown", "unknown", "unknown");

        public Peer(string workload, string ns, IDictionary<string, string> labels)
            : this(
                workload,
                ns,
                labels.TryGetValue("app", out var app) ? app : "unknown",
                labels.TryGetValue("version", out var version) ? version : "unknown",
                IstioCanonical.ServiceOf(labels, workload),
                labels.TryGetValue("service.istio.io/canonical-revision", out var cr) ? cr : labels.TryGetValue("app.kubernetes.io/version", out var kv) ? kv : version ?? "latest")
        {
        }

        /// <summary>An endpoint's workload, written "namespace/name" in the snapshot.</summary>
        public static Peer OfWorkload(string workload, IDictionary<string, string> labels)
        {
            var slash = workload.IndexOf('/', StringComparison.Ordinal);
            return slash < 0 ? new Peer(workload.Length > 0 ? workload : "unknown", "unknown", labels) : new Peer(workload[(slash + 1)..], workload[..slash], labels);
        }
    }
}
