using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Causeway.Protocol.Metrics;
using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;

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
    internal void RecordRequest(in FinishedRequest finished, double durationMs)
    {
        var (snapshot, direction, cluster, endpoint, code, flags) = (finished.Snapshot, finished.Direction, finished.Cluster, finished.Endpoint, finished.Status, finished.Flags);
        var (grpc, grpcStatus, request) = (finished.Grpc, finished.GrpcStatus, finished.Context);
        if (snapshot is { IstioMetricsDisabled: true })
        {
            return;
        }

        var inbound = direction == TrafficDirection.Inbound;
        var tags = MetricTagValues.Of(SideOf(snapshot, inbound), request, code);
        // At the destination, the caller as its sidecar's metadata exchange header describes it.
        var source = inbound && request is not null ? PeerMetadata.Decode(request.Request.Headers[PeerMetadata.Header].ToString()) : null;
        // At the destination over mutual TLS, the caller's SPIFFE identity from its certificate.
        var principal = inbound ? Security.MeshPeer.SpiffeIdOf(request?.Connection.ClientCertificate) : null;
        var key = new RequestKey(inbound, cluster?.Name ?? "", endpoint?.Source.Workload ?? "", code, flags, grpc, grpcStatus, tags, source?.Workload, source?.Namespace, principal);
        if (!requests.TryGetValue(key, out var series))
        {
            series = requests.GetOrAdd(key, k => new RequestSeries(k.Inbound, k.Tags, [
                .. Labels(snapshot, k.Inbound, cluster, endpoint, grpc ? "grpc" : "http", source, k.Principal),
                ("response_code", k.Code.ToString(CultureInfo.InvariantCulture)),
                ("grpc_response_status", k.Grpc && k.GrpcStatus >= 0 ? k.GrpcStatus.ToString(CultureInfo.InvariantCulture) : ""),
                ("response_flags", k.Flags)]));
        }

        Interlocked.Increment(ref series.Count);
        if (grpc)
        {
            Interlocked.Add(ref series.RequestMessages, finished.RequestMessages);
            Interlocked.Add(ref series.ResponseMessages, finished.ResponseMessages);
        }

        series.Duration.Observe(durationMs);
        series.RequestBytes.Observe(finished.RequestBytes);
        series.ResponseBytes.Observe(finished.ResponseBytes);
    }

    public void TcpOpened(ProxySnapshot? snapshot, TrafficDirection direction, Cluster cluster, UpstreamEndpoint? endpoint)
    {
        if (snapshot is not { IstioMetricsDisabled: true })
        {
            Interlocked.Increment(ref Tcp(snapshot, direction, cluster, endpoint, ResponseFlagsNone).Opened);
        }
    }

    public void TcpClosed(ProxySnapshot? snapshot, TrafficDirection direction, Cluster cluster, UpstreamEndpoint? endpoint, string flags, long sent, long received)
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

    private TcpSeries Tcp(ProxySnapshot? snapshot, TrafficDirection direction, Cluster cluster, UpstreamEndpoint? endpoint, string flags)
    {
        var inbound = direction == TrafficDirection.Inbound;
        var key = new TcpKey(inbound, cluster.Name, endpoint?.Source.Workload ?? "", flags, MetricTagValues.Of(SideOf(snapshot, inbound), null, 0));
        return tcp.TryGetValue(key, out var series)
            ? series
            : tcp.GetOrAdd(key, k => new TcpSeries(k.Inbound, k.Tags, [.. Labels(snapshot, k.Inbound, cluster, endpoint, "tcp"), ("response_flags", k.Flags)]));
    }

    private static MetricSide? SideOf(ProxySnapshot? snapshot, bool inbound) => snapshot?.Metrics is { } m ? (inbound ? m.Server : m.Client) : null;

    /// <summary>
    /// The Prometheus text exposition (version 0.0.4) of every series, shaped by the snapshot's Telemetry overrides:
    /// a disabled metric is left out, removed labels are dropped and upserted ones set. Series that become alike once
    /// a label is gone are added together, so every series appears once.
    /// </summary>
    public string Render(ProxySnapshot? snapshot = null)
    {
        var text = new PrometheusText();
        var series = requests.Values.ToList();
        Counter(text, snapshot, "REQUEST_COUNT", "istio_requests_total", "Requests handled by this proxy.", series.Select(s => (s.Shape, Interlocked.Read(ref s.Count))));
        Histograms(text, snapshot, "REQUEST_DURATION", "istio_request_duration_milliseconds", "Request duration.", series.Select(s => (s.Shape, s.Duration)));
        Histograms(text, snapshot, "REQUEST_SIZE", "istio_request_bytes", "Request body sizes.", series.Select(s => (s.Shape, s.RequestBytes)));
        Histograms(text, snapshot, "RESPONSE_SIZE", "istio_response_bytes", "Response body sizes.", series.Select(s => (s.Shape, s.ResponseBytes)));
        var grpcSeries = series.Where(s => s.Shape.Grpc).ToList();
        Counter(text, snapshot, "GRPC_REQUEST_MESSAGES", "istio_request_messages_total", "gRPC messages sent by the client.", grpcSeries.Select(s => (s.Shape, Interlocked.Read(ref s.RequestMessages))));
        Counter(text, snapshot, "GRPC_RESPONSE_MESSAGES", "istio_response_messages_total", "gRPC messages sent by the server.", grpcSeries.Select(s => (s.Shape, Interlocked.Read(ref s.ResponseMessages))));
        var connections = tcp.Values.ToList();
        Counter(text, snapshot, "TCP_SENT_BYTES", "istio_tcp_sent_bytes_total", "Bytes sent to the downstream during TCP connections.", connections.Select(s => (s.Shape, Interlocked.Read(ref s.Sent))));
        Counter(text, snapshot, "TCP_RECEIVED_BYTES", "istio_tcp_received_bytes_total", "Bytes received from the downstream during TCP connections.", connections.Select(s => (s.Shape, Interlocked.Read(ref s.Received))));
        Counter(text, snapshot, "TCP_OPENED_CONNECTIONS", "istio_tcp_connections_opened_total", "TCP connections opened.", connections.Select(s => (s.Shape, Interlocked.Read(ref s.Opened))));
        Counter(text, snapshot, "TCP_CLOSED_CONNECTIONS", "istio_tcp_connections_closed_total", "TCP connections closed.", connections.Select(s => (s.Shape, Interlocked.Read(ref s.Closed))));
        return text.ToString();
    }

    private static void Counter(PrometheusText text, ProxySnapshot? snapshot, string metric, string name, string help, IEnumerable<(SeriesLabels Shape, long Value)> values)
    {
        var totals = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (shape, value) in values)
        {
            if (shape.Format(snapshot, metric) is { } labels)
            {
                totals[labels] = totals.GetValueOrDefault(labels) + value;
            }
        }

        text.Family(name, "counter", help);
        foreach (var (labels, value) in totals)
        {
            text.Sample(name, labels, value);
        }
    }

    private static void Histograms(PrometheusText text, ProxySnapshot? snapshot, string metric, string name, string help, IEnumerable<(SeriesLabels Shape, Histogram Histogram)> values)
    {
        var merged = new SortedDictionary<string, Histogram>(StringComparer.Ordinal);
        foreach (var (shape, histogram) in values)
        {
            if (shape.Format(snapshot, metric) is not { } labels)
            {
                continue;
            }

            if (!merged.TryGetValue(labels, out var total))
            {
                merged[labels] = total = new Histogram();
            }

            total.Add(histogram);
        }

        text.Family(name, "histogram", help);
        foreach (var (labels, h) in merged)
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
    /// reports) or from the caller's metadata exchange header (for destination reports; <c>unknown</c> without one).
    /// At the destination over mutual TLS, source_principal is the caller's SPIFFE identity and
    /// connection_security_policy mutual_tls (none over plaintext); the source reporter says unknown, as Istio's does.
    /// </summary>
    private static List<(string Name, string Value)> Labels(ProxySnapshot? snapshot, bool inbound, Cluster? cluster, UpstreamEndpoint? endpoint, string protocol, PeerMetadata.Peer? caller = null, string? principal = null)
    {
        var me = snapshot?.Proxy;
        var service = cluster?.Service ?? "";
        var (serviceName, serviceNamespace) = SplitService(service);
        Peer self = me is null ? Peer.Unknown : new Peer(me.Name, me.Namespace, me.Labels);
        Peer destination;
        Peer source;
        if (inbound)
        {
            // The caller, as its sidecar's metadata exchange header describes it; unknown without one.
            source = caller is null ? Peer.Unknown : new Peer(caller.Workload, caller.Namespace, caller.Labels);
            destination = self;
        }
        else
        {
            source = self;
            destination = endpoint is null ? Peer.Unknown : Peer.OfWorkload(endpoint.Source.Workload, endpoint.Source.Labels);
        }

        var sb = new List<(string Name, string Value)>(24);
        Add(sb, "reporter", inbound ? "destination" : "source");
        Add(sb, "source_workload", source.Workload);
        Add(sb, "source_workload_namespace", source.Namespace);
        Add(sb, "source_principal", principal ?? "unknown");
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
        Add(sb, "connection_security_policy", inbound ? principal is null ? "none" : "mutual_tls" : "unknown");
        return sb;
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

    private static void Add(List<(string Name, string Value)> labels, string name, string value) => labels.Add((name, value.Length == 0 ? "unknown" : value));

    /// <summary>Prometheus label value escaping: backslash, double quote and line feed.</summary>
    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private readonly record struct RequestKey(bool Inbound, string Cluster, string Workload, int Code, string Flags, bool Grpc, int GrpcStatus, MetricTagValues Tags, string? SourceWorkload, string? SourceNamespace, string? Principal);

    private readonly record struct TcpKey(bool Inbound, string Cluster, string Workload, string Flags, MetricTagValues Tags);

    /// <summary>
    /// A series' labels as Istio defines them, kept as pairs with the side and the tag override values it was seen
    /// with, and formatted per metric for the exposition (the standard shape is formatted once and kept).
    /// </summary>
    private sealed class SeriesLabels(bool inbound, MetricTagValues tags, (string Name, string Value)[] labels)
    {
        private string? standard;

        public bool Grpc { get; } = labels.Contains(("request_protocol", "grpc"));

        public string? Format(ProxySnapshot? snapshot, string metric)
        {
            var shape = SideOf(snapshot, inbound)?.Metrics.FirstOrDefault(s => s.Metric == metric);
            if (shape is null)
            {
                return standard ??= Join(labels);
            }

            if (shape.Disabled)
            {
                return null;
            }

            var shaped = new List<(string Name, string Value)>(labels.Length + shape.Upserted.Count);
            foreach (var (name, value) in labels)
            {
                if (!shape.Removed.Contains(name))
                {
                    shaped.Add((name, shape.Upserted.TryGetValue(name, out var index) ? tags[index] : value));
                }
            }

            foreach (var (name, index) in shape.Upserted.OrderBy(u => u.Key, StringComparer.Ordinal))
            {
                if (!labels.Any(l => l.Name == name) && !shape.Removed.Contains(name))
                {
                    shaped.Add((name, tags[index]));
                }
            }

            return Join(shaped);
        }

        private static string Join(IEnumerable<(string Name, string Value)> labels)
        {
            var sb = new StringBuilder();
            foreach (var (name, value) in labels)
            {
                sb.Append(sb.Length == 0 ? "" : ",").Append(name).Append("=\"").Append(Escape(value)).Append('"');
            }

            return sb.ToString();
        }
    }

    private sealed class RequestSeries(bool inbound, MetricTagValues tags, (string Name, string Value)[] labels)
    {
        public long Count;
        public long RequestMessages;
        public long ResponseMessages;

        public SeriesLabels Shape { get; } = new(inbound, tags, labels);

        public Histogram Duration { get; } = new();

        public Histogram RequestBytes { get; } = new();

        public Histogram ResponseBytes { get; } = new();
    }

    private sealed class TcpSeries(bool inbound, MetricTagValues tags, (string Name, string Value)[] labels)
    {
        public long Opened;
        public long Closed;
        public long Sent;
        public long Received;

        public SeriesLabels Shape { get; } = new(inbound, tags, labels);
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
