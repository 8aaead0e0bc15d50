using System.Diagnostics;
using Causeway.Protocol.V1;
using Microsoft.AspNetCore.Http;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// Spans for requests, as Istio's proxies make them: one per request (kind client for outbound and gateway
/// listeners, server for inbound), child of the caller's trace when it sent one, sampled as the caller decided or at
/// the configured percentage, tagged with Istio's span tags, and exported over OTLP by the OpenTelemetry SDK's batch
/// processor when the proxy has an endpoint (a request never waits for an export).
/// </summary>
public sealed class Tracer : IDisposable
{
    private static readonly ActivitySource Source = new("Causeway.Proxy");
    private readonly TracerProvider? provider;

    public Tracer(Uri? otlpEndpoint, string serviceName)
    {
        if (otlpEndpoint is null)
        {
            return;
        }

        provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(Source.Name)
            .SetSampler(new AlwaysOnSampler()) // the proxy decides sampling itself, per Istio's rules
            .ConfigureResource(r => r.AddService(serviceName))
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(otlpEndpoint, "/v1/traces");
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
            })
            .Build();
    }

    /// <summary>Starts the request's span; null when the request is not sampled or spans are not exported.</summary>
    public (Activity? Span, IEnumerable<(string Name, string Value)> Headers) Start(HttpContext ctx, TracingConfig config, TrafficDirection direction, Random random)
    {
        var incoming = TraceContext.From(ctx.Request.Headers);
        var sampled = incoming?.Sampled ?? random.NextDouble() * 100 < config.SamplingPercent;
        var traceId = incoming?.TraceId ?? ActivityTraceId.CreateRandom();
        Activity? span = null;
        if (sampled && config.ReportSpans && provider is not null)
        {
            // A child of the caller's span when it sent one; otherwise the root of a new trace.
            var parent = incoming is { } p ? new ActivityContext(p.TraceId, p.ParentSpanId, ActivityTraceFlags.Recorded, p.TraceState, isRemote: true) : default;
            span = Source.StartActivity($"{ctx.Request.Host.Value}{ctx.Request.Path}", direction == TrafficDirection.Inbound ? ActivityKind.Server : ActivityKind.Client, parent);
        }

        var spanId = span?.SpanId ?? ActivitySpanId.CreateRandom();
        return (span, TraceContext.Headers(span?.TraceId ?? traceId, spanId, sampled, incoming?.Format ?? TraceFormat.W3C, incoming?.TraceState ?? ""));
    }

    /// <summary>Istio's span tags, then the span ends (the batch processor exports it later).</summary>
    public static void End(Activity? span, HttpContext ctx, ProxySnapshot? snapshot, string cluster, int status, string flags, string requestId, long responseBytes)
    {
        if (span is null)
        {
            return;
        }

        var me = snapshot?.Proxy;
        span.SetTag("component", "proxy");
        span.SetTag("node_id", me is null ? "" : $"{me.Role.ToString().ToLowerInvariant()}~{me.Address}~{me.Name}.{me.Namespace}");
        span.SetTag("istio.namespace", me?.Namespace);
        span.SetTag("istio.canonical_service", me?.Labels.GetValueOrDefault("service.istio.io/canonical-name") ?? me?.Labels.GetValueOrDefault("app") ?? me?.Name);
        span.SetTag("istio.mesh_id", "cluster.local");
        span.SetTag("guid:x-request-id", requestId);
        span.SetTag("http.url", $"{ctx.Request.Scheme}://{ctx.Request.Host}{ctx.Request.Path}{ctx.Request.QueryString}");
        span.SetTag("http.method", ctx.Request.Method);
        span.SetTag("http.protocol", ctx.Request.Protocol);
        span.SetTag("http.status_code", status);
        span.SetTag("response_flags", flags);
        span.SetTag("request_size", ctx.Request.ContentLength ?? 0);
        span.SetTag("response_size", responseBytes);
        span.SetTag("upstream_cluster", cluster);
        span.SetTag("upstream_cluster.name", cluster);
        span.SetTag("user_agent", ctx.Request.Headers.UserAgent.ToString());
        span.SetTag("peer.address", ctx.Connection.RemoteIpAddress?.ToString());
        if (status >= 500 || flags != "-")
        {
            span.SetStatus(ActivityStatusCode.Error);
            span.SetTag("error", "true");
        }

        span.Stop();
    }

    public void Dispose()
    {
        provider?.ForceFlush(2000);
        provider?.Dispose();
    }
}
