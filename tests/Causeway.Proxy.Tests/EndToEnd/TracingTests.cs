using System.Text.Json;
using Causeway.Translation.Mesh;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Tracing as Istio's Telemetry API turns it on: the proxy's span joins the caller's trace (W3C traceparent or B3),
/// the upstream sees the proxy's span as its parent in the same format, the caller's sampling decision is kept
/// (otherwise the configured percentage decides), and sampled spans reach an OTLP collector.
/// </summary>
public sealed class TracingTests : IAsyncLifetime
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ParentSpan = "00f067aa0ba902b7";
    private readonly HttpClient client = new(new SocketsHttpHandler { UseProxy = false });
    private Backend backend = null!;

    public async Task InitializeAsync() => backend = await Backend.StartAsync("reviews");

    public async Task DisposeAsync()
    {
        client.Dispose();
        await backend.DisposeAsync();
    }

    private string Mesh(double percent) => MeshYaml.Service("reviews", "default", [(backend, "v1")]) + MeshYaml.Client() + $"""
        ---
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: {"{"}name: tracing, namespace: istio-system{"}"}
        spec:
          tracing: [{"{"}providers: [{"{"}name: otel{"}"}], randomSamplingPercentage: {percent.ToString(System.Globalization.CultureInfo.InvariantCulture)}{"}"}]
        """;

    [Fact]
    public async Task The_proxy_span_joins_the_callers_w3c_trace_and_becomes_the_upstreams_parent()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using (var proxy = await ProxyUnderTest.SidecarAsync(Mesh(100), new Uri($"http://127.0.0.1:{collector.Port}"), "client", "default", 9080))
        {
            var headers = await Forward(proxy, ("traceparent", $"00-{TraceId}-{ParentSpan}-01"));
            var parts = headers["traceparent"].Split('-');
            Assert.Equal(TraceId, parts[1]);           // same trace
            Assert.NotEqual(ParentSpan, parts[2]);     // the proxy's own span is the parent upstream
            Assert.Equal("01", parts[3]);
        }

        // Disposing the proxy flushes its spans: the collector got the proxy's span in the caller's trace.
        var span = Assert.Single(collector.Spans());
        Assert.Equal((TraceId, ParentSpan, "client.default"), (span.TraceId, span.ParentSpanId, span.Service));
    }

    [Fact]
    public async Task B3_multi_headers_are_carried_on_in_b3_with_the_callers_sampling_decision()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(Mesh(100), "client", "default", 9080);
        var headers = await Forward(proxy, ("x-b3-traceid", TraceId), ("x-b3-spanid", ParentSpan), ("x-b3-sampled", "0"));
        Assert.Equal(TraceId, headers["x-b3-traceid"]);
        Assert.NotEqual(ParentSpan, headers["x-b3-spanid"]);
        Assert.Equal("0", headers["x-b3-sampled"]); // the caller said no: the proxy does not sample it
        Assert.EndsWith("-00", headers["traceparent"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_caller_decision_the_percentage_decides_and_a_new_trace_starts()
    {
        await using var none = await ProxyUnderTest.SidecarAsync(Mesh(0), "client", "default", 9080);
        var unsampled = await Forward(none);
        Assert.EndsWith("-00", unsampled["traceparent"], StringComparison.Ordinal);

        await using var all = await ProxyUnderTest.SidecarAsync(Mesh(100), "client", "default", 9080);
        var first = (await Forward(all))["traceparent"].Split('-');
        var second = (await Forward(all))["traceparent"].Split('-');
        Assert.Equal("01", first[3]);
        Assert.NotEqual(first[1], second[1]); // each request without context starts its own trace
    }

    [Fact]
    public async Task Without_a_tracing_telemetry_the_headers_pass_through_untouched()
    {
        await using var proxy = await ProxyUnderTest.SidecarAsync(MeshYaml.Service("reviews", "default", [(backend, "v1")]) + MeshYaml.Client(), "client", "default", 9080);
        Assert.Null(proxy.Snapshot.Tracing);
        var headers = await Forward(proxy, ("traceparent", $"00-{TraceId}-{ParentSpan}-01"));
        Assert.Equal($"00-{TraceId}-{ParentSpan}-01", headers["traceparent"]);
    }

    /// <summary>
    /// MeshConfig as Istio users write it: an opentelemetry extensionProvider (the collector a ServiceEntry in the
    /// mesh), the mesh's default tracing provider and sampling, and a Telemetry adding customTags. No
    /// --tracing-endpoint: the proxy finds the collector in its snapshot.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Spans_go_to_the_mesh_configs_opentelemetry_provider_with_custom_tags(bool grpc)
    {
        await using var collector = await OtlpReceiver.StartAsync();
        Environment.SetEnvironmentVariable("CAUSEWAY_TEST_CLUSTER", "east-1");
        var settings = MeshSettings.Parse($$$"""
            defaultConfig: {tracing: {sampling: 100}}
            defaultProviders: {tracing: [otel]}
            extensionProviders:
            - name: otel
              opentelemetry:
                service: collector.observability.svc.cluster.local
                port: 4318
            {{{(grpc ? "" : "    http: {path: /v1/traces}")}}}
            """);
        var yaml = MeshYaml.Service("reviews", "default", [(backend, "v1")]) + MeshYaml.Client() + $$$"""
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: collector, namespace: observability}
            spec:
              hosts: [collector.observability.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 4318, name: otlp, protocol: TCP, targetPort: {{{(grpc ? collector.GrpcPort : collector.Port)}}} }]
              endpoints: [{address: 127.0.0.1}]
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: tags, namespace: default}
            spec:
              tracing:
              - customTags:
                  team: {literal: {value: bookinfo}}
                  cluster: {environment: {name: CAUSEWAY_TEST_CLUSTER, defaultValue: none}}
                  user: {header: {name: end-user, defaultValue: anonymous}}
                  tenant: {header: {name: x-tenant, defaultValue: shared}}
            """;
        await using (var proxy = await ProxyUnderTest.SidecarAsync(yaml, settings, "client", "default", 9080))
        {
            Assert.Equal(100, proxy.Snapshot.Tracing!.SamplingPercent); // the mesh's sampling: the Telemetry sets none
            await Forward(proxy, ("end-user", "jason"));
        }

        var span = Assert.Single(collector.Spans());
        Assert.Equal("client.default", span.Service);
        Assert.Equal(("bookinfo", "east-1", "jason", "shared"), (span.Tags["team"], span.Tags["cluster"], span.Tags["user"], span.Tags["tenant"]));
    }

    private async Task<Dictionary<string, string>> Forward(ProxyUnderTest proxy, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, proxy.Url(9080, "/"));
        request.Headers.Host = "reviews";
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("headers");
        return echo.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
    }
}
