using System.Diagnostics;
using Causeway.Protocol.V1;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// Spans for requests, as Istio's proxies make them: one per request (kind client for outbound and gateway
/// listeners, server for inbound), child of the caller's trace when it sent one, sampled as the caller decided or at
/// the configured percentage, tagged with Istio's span tags, and exported over OTLP by the OpenTelemetry SDK's batch
/// processor when the proxy has an endpoint (a request never waits for an export).
/// </summary>
public sealed class Tracer : IDisposable
{
    private static int instances;

    // One source per proxy: `causeway up` runs many proxies in one process, and a shared source would hand every
    // span to every proxy's exporter (each span exported once per proxy, under the wrong service name).
    private readonly ActivitySource source = new($"Causeway.Proxy.{Interlocked.Increment(ref instances)}");
    private readonly Uri? otlpEndpoint;
    private readonly Lock gate = new();
    private OtlpExport? export;
    private string? exporterKey;

    public Tracer(Uri? otlpEndpoint) => this.otlpEndpoint = otlpEndpoint;

    /// <summary>The OTLP resource's service.name, as Istio sets it: the proxy's canonical service and namespace.</summary>
    public static string ServiceName(ProxyIdentity? me) =>
        me is null ? "causeway-proxy" : $"{IstioCanonical.ServiceOf(me.Labels, me.Name)}.{me.Namespace}";

    /// <summary>
    /// Points the exporter at the snapshot's collector (the tracing provider's, else the proxy's --tracing-endpoint)
    /// and names it after the proxy. An exporter's resource and endpoint are fixed, so a change flushes the old
    /// exporter and starts another; requests never wait on this.
    /// </summary>
    public void Configure(ProxyIdentity? me, TracingConfig? tracing)
    {
        var (endpoint, grpc) = tracing is { Collector.Length: > 0 } t && Uri.TryCreate(t.Collector, UriKind.Absolute, out var collector)
            ? (collector, t.CollectorGrpc)
            : (otlpEndpoint is null ? null : new Uri(otlpEndpoint, "/v1/traces"), false);
        var key = endpoint is null ? null : $"{ServiceName(me)} {endpoint} {grpc}";
        lock (gate)
        {
            if (key == exporterKey)
            {
                return;
            }

            export?.Dispose();
            export = null;
            exporterKey = key;
            if (endpoint is not null)
            {
                export = new OtlpExport(source.Name, ServiceName(me), endpoint, grpc);
            }
        }
    }

    /// <summary>Starts the request's span; null when the request is not sampled or spans are not exported.</summary>
    public (Activity? Span, IEnumerable<(string Name, string Value)> Headers) Start(HttpContext ctx, TracingConfig config, TrafficDirection direction, Random random)
    {
        var incoming = TraceContext.From(ctx.Request.Headers);
        var sampled = incoming?.Sampled ?? random.NextDouble() * 100 < config.SamplingPercent;
        var traceId = incoming?.TraceId ?? ActivityTraceId.CreateRandom();
        Activity? span = null;
        if (sampled && config.ReportSpans && export is not null)
        {
            // A child of the caller's span when it sent one; otherwise the root of a new trace.
            var parent = incoming is { } p ? new ActivityContext(p.TraceId, p.ParentSpanId, ActivityTraceFlags.Recorded, p.TraceState, isRemote: true) : default;
            Activity.Current = null; // without a caller's context the span is a root, whatever ran before on this flow
            span = source.StartActivity($"{ctx.Request.Host.Value}{ctx.Request.Path}", direction == TrafficDirection.Inbound ? ActivityKind.Server : ActivityKind.Client, parent);
        }

        var spanId = span?.SpanId ?? ActivitySpanId.CreateRandom();
        return (span, TraceContext.Headers(span?.TraceId ?? traceId, spanId, sampled, incoming?.Format ?? TraceFormat.W3C, incoming?.TraceState ?? ""));
    }

    /// <summary>Istio's span tags, then the span ends (the batch processor exports it later).</summary>
    internal static void End(Activity? span, in FinishedRequest request)
    {
        if (span is null)
        {
            return;
        }

        var ctx = request.Context;
        var snapshot = request.Snapshot;
        var (cluster, status, flags) = (request.ClusterName, request.Status, request.Flags);
        var me = snapshot?.Proxy;
        span.SetTag("component", "proxy");
        span.SetTag("node_id", me is null ? "" : $"{me.Role.ToString().ToLowerInvariant()}~{me.Address}~{me.Name}.{me.Namespace}");
        span.SetTag("istio.namespace", me?.Namespace);
        span.SetTag("istio.canonical_service", me is null ? null : IstioCanonical.ServiceOf(me.Labels, me.Name));
        span.SetTag("istio.mesh_id", "cluster.local");
        span.SetTag("guid:x-request-id", request.RequestId);
        span.SetTag("http.url", $"{ctx.Request.Scheme}://{ctx.Request.Host}{ctx.Request.Path}{ctx.Request.QueryString}");
        span.SetTag("http.method", ctx.Request.Method);
        span.SetTag("http.protocol", ctx.Request.Protocol);
        span.SetTag("http.status_code", status);
        span.SetTag("response_flags", flags);
        span.SetTag("request_size", request.RequestBytes);
        span.SetTag("response_size", request.ResponseBytes);
        span.SetTag("upstream_cluster", cluster);
        span.SetTag("upstream_cluster.name", cluster);
        span.SetTag("user_agent", ctx.Request.Headers.UserAgent.ToString());
        span.SetTag("peer.address", ctx.Connection.RemoteIpAddress?.ToString());
        foreach (var tag in snapshot?.Tracing?.CustomTags ?? (IEnumerable<CustomTag>)[])
        {
            span.SetTag(tag.Name, CustomTagValue(tag, ctx));
        }

        if (status >= 500 || flags != "-")
        {
            span.SetStatus(ActivityStatusCode.Error);
            span.SetTag("error", "true");
        }

        span.Stop();
    }

    /// <summary>A Telemetry customTag's value: the literal, the proxy's environment variable or the request header, else its default.</summary>
    private static string CustomTagValue(CustomTag tag, HttpContext ctx) =>
        tag.Environment.Length > 0 ? Environment.GetEnvironmentVariable(tag.Environment) is { Length: > 0 } env ? env : tag.DefaultValue
        : tag.Header.Length > 0 ? ctx.Request.Headers.TryGetValue(tag.Header, out var value) && value.Count > 0 ? value.ToString() : tag.DefaultValue
        : tag.Literal;

    public void Dispose()
    {
        lock (gate)
        {
            export?.Dispose();
            export = null;
        }

        source.Dispose();
    }
}
