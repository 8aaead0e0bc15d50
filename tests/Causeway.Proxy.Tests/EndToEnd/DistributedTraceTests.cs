using System.Net;
using System.Text.Json;
using Causeway.Proxy.Tests.Support;
using Causeway.Proxy.Tests.Support.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// One request through an ingress gateway, the front workload's sidecar (inbound, then outbound for the front app's
/// own call), the reviews sidecar (inbound) and the reviews backend, every proxy exporting to an OTLP/HTTP receiver
/// that decodes the protobuf export. As in Istio, the application forwards the trace headers it received (Istio's
/// "trace context propagation" requirement); the proxies do the rest. The spans must form one chain:
/// caller → gateway (client) → front inbound (server) → front outbound (client) → reviews inbound (server).
/// </summary>
public sealed class DistributedTraceTests
{
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string CallerSpan = "b7ad6b7169203331";

    [Fact]
    public async Task Spans_from_a_gateway_two_sidecars_and_their_apps_form_one_parent_child_chain()
    {
        var port = (uint)FreePort.Next(); // the service port of both services; each workload has its own loopback address
        await using var collector = await OtlpReceiver.StartAsync();
        var otlp = new Uri($"http://127.0.0.1:{collector.Port}");
        await using var reviews = await Backend.StartAsync("reviews");
        await using var front = await FrontApp.StartAsync(new Uri($"http://127.0.78.1:{port}"), $"http://reviews.default.svc.cluster.local:{port}/reviews/1");
        var yaml = Mesh(port, front.Port, reviews.Http1Port);

        string requestId;
        JsonElement echoed;
        await using (var gateway = await ProxyUnderTest.GatewayAsync(yaml, new Dictionary<string, string> { ["istio"] = "ingressgateway" }, otlp, 8080))
        await using (var frontSidecar = await ProxyUnderTest.SidecarAsync(yaml, otlp, "front", "default"))
        await using (var reviewsSidecar = await ProxyUnderTest.SidecarAsync(yaml, otlp, "reviews", "default"))
        using (var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url(8080, "/productpage"));
            request.Headers.TryAddWithoutValidation("traceparent", $"00-{TraceId}-{CallerSpan}-01");
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            echoed = JsonDocument.Parse(body).RootElement.GetProperty("headers");
            requestId = echoed.GetProperty("x-request-id").GetString()!;
        }

        // The proxies flush their spans when they stop.
        await Eventually.Until(() => collector.Spans().Count(s => s.TraceId == TraceId) >= 4, () => string.Join("\n", collector.Spans()));
        var spans = collector.Spans().Where(s => s.TraceId == TraceId).ToList();
        Assert.Equal(4, spans.Count);

        var gatewaySpan = Assert.Single(spans, s => s.ParentSpanId == CallerSpan);
        Assert.Equal(Span.Types.SpanKind.Client, gatewaySpan.Kind);
        Assert.Equal("istio-system", gatewaySpan.Tags["istio.namespace"]);
        var frontInbound = Assert.Single(spans, s => s.ParentSpanId == gatewaySpan.SpanId);
        Assert.Equal(Span.Types.SpanKind.Server, frontInbound.Kind);
        Assert.Equal("front", frontInbound.Tags["istio.canonical_service"]);
        var frontOutbound = Assert.Single(spans, s => s.ParentSpanId == frontInbound.SpanId);
        Assert.Equal(Span.Types.SpanKind.Client, frontOutbound.Kind);
        Assert.Equal("front", frontOutbound.Tags["istio.canonical_service"]);
        Assert.StartsWith("outbound|", frontOutbound.Tags["upstream_cluster"], StringComparison.Ordinal);
        var reviewsInbound = Assert.Single(spans, s => s.ParentSpanId == frontOutbound.SpanId);
        Assert.Equal(Span.Types.SpanKind.Server, reviewsInbound.Kind);
        Assert.Equal("reviews", reviewsInbound.Tags["istio.canonical_service"]);
        Assert.StartsWith("inbound|", reviewsInbound.Tags["upstream_cluster"], StringComparison.Ordinal);

        // The backend's parent is the last proxy's span; one x-request-id (made at the gateway) runs through all.
        Assert.Equal($"00-{TraceId}-{reviewsInbound.SpanId}-01", echoed.GetProperty("traceparent").GetString());
        Assert.All(spans, s => Assert.Equal(requestId, s.Tags["guid:x-request-id"]));
        Assert.All(spans, s => Assert.Equal("200", s.Tags["http.status_code"]));
        Assert.All(spans, s => Assert.True(s.EndNanos >= s.StartNanos));
        // Each proxy names itself as the OTLP resource's service.
        Assert.Equal(3, spans.Select(s => s.Service).Distinct().Count());
    }

    private static string Mesh(uint port, int frontApp, int reviewsApp) => $$$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: front, namespace: default}
        spec:
          hosts: [front.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: {{{port}}}, name: http, protocol: HTTP}]
          workloadSelector: {labels: {app: front}}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{number: {{{port}}}, name: http, protocol: HTTP}]
          workloadSelector: {labels: {app: reviews}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: front, namespace: default}
        spec: {address: 127.0.77.1, labels: {app: front}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews, namespace: default}
        spec: {address: 127.0.77.2, labels: {app: reviews}}
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: front, namespace: default}
        spec:
          workloadSelector: {labels: {app: front}}
          ingress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:{{{frontApp}}}"}]
          egress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, bind: 127.0.78.1, captureMode: NONE, hosts: ["./*"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: reviews, namespace: default}
        spec:
          workloadSelector: {labels: {app: reviews}}
          ingress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:{{{reviewsApp}}}"}]
          egress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, bind: 127.0.78.2, captureMode: NONE, hosts: ["./*"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: ingress, namespace: default}
        spec:
          selector: {istio: ingressgateway}
          servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: front, namespace: default}
        spec:
          hosts: ["*"]
          gateways: [ingress]
          http: [{route: [{destination: {host: front.default.svc.cluster.local, port: {number: {{{port}}} } } }]}]
        ---
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: {name: mesh-default, namespace: istio-system}
        spec:
          tracing: [{providers: [{name: otel}], randomSamplingPercentage: 0}]
        """;

    /// <summary>
    /// The front application: calls reviews through its sidecar (an HTTP proxy, as in the local mesh), forwarding the
    /// trace and request-id headers it was given, and returns what reviews answered.
    /// </summary>
    private sealed class FrontApp : IAsyncDisposable
    {
        private static readonly string[] Propagated = ["traceparent", "tracestate", "x-request-id", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "b3"];
        private readonly WebApplication app;
        private readonly HttpClient viaSidecar;

        private FrontApp(WebApplication app, HttpClient viaSidecar, int port)
        {
            this.app = app;
            this.viaSidecar = viaSidecar;
            Port = port;
        }

        public int Port { get; }

        public static async Task<FrontApp> StartAsync(Uri sidecar, string downstream)
        {
            var port = FreePort.Next();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            var http = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(sidecar), UseProxy = true });
            app.Run(async ctx =>
            {
                using var call = new HttpRequestMessage(HttpMethod.Get, downstream);
                foreach (var name in Propagated)
                {
                    if (ctx.Request.Headers.TryGetValue(name, out var value))
                    {
                        call.Headers.TryAddWithoutValidation(name, value.ToString());
                    }
                }

                using var answer = await http.SendAsync(call);
                ctx.Response.StatusCode = (int)answer.StatusCode;
                await ctx.Response.WriteAsync(await answer.Content.ReadAsStringAsync());
            });
            await app.StartAsync();
            return new FrontApp(app, http, port);
        }

        public async ValueTask DisposeAsync()
        {
            viaSidecar.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
