using Causeway.Api.Analysis;
using Causeway.Translation.Mesh;
using Causeway.Translation.Tests.Support;

namespace Causeway.Translation.Tests.Translation;

/// <summary>
/// Which proxies trace, at what percentage and to which collector, as Istio decides it: the Telemetry API first
/// (most specific resource), MeshConfig as the fallback (defaultProviders.tracing, defaultConfig.tracing.sampling,
/// extensionProviders), Istio's 1% when nothing sets a percentage.
/// </summary>
public class TracingTranslationTests
{
    private const string MeshConfig = """
        defaultConfig:
          tracing:
            sampling: 25
        defaultProviders:
          tracing: [otel]
        extensionProviders:
        - name: otel
          opentelemetry:
            service: collector.observability.svc.cluster.local
            port: 4318
            http: {path: /v1/traces}
        - name: otel-grpc
          opentelemetry: {service: otel.example.com, port: 4317}
        """;

    private static string Telemetry(string spec) => TestMesh.Telemetry("istio-system", "tracing", spec);

    private static MeshState Mesh(MeshSettings settings, params string[] yaml) => new(TestMesh.Load([TestMesh.Service("web", "default"), .. yaml]).Resources, settings: settings);

    [Fact]
    public void Without_telemetry_or_default_providers_nothing_traces() =>
        Assert.Null(TestMesh.Load(TestMesh.Service("web", "default")).Sidecar("a", "default").Snapshot.Tracing);

    [Fact]
    public void Mesh_default_providers_trace_every_proxy_at_the_mesh_sampling_percentage()
    {
        var tracing = Mesh(MeshSettings.Parse(MeshConfig)).Sidecar("a", "default").Snapshot.Tracing;
        Assert.NotNull(tracing);
        Assert.Equal(("otel", 25.0, true), (tracing.Provider, tracing.SamplingPercent, tracing.ReportSpans));
        // Not in the registry: the collector's host name is used as is (DNS), OTLP/HTTP because `http` is set.
        Assert.Equal("http://collector.observability.svc.cluster.local:4318/v1/traces", tracing.Collector);
        Assert.False(tracing.CollectorGrpc);
    }

    [Fact]
    public void Telemetry_sampling_beats_the_mesh_default_and_istio_defaults_to_one_percent()
    {
        var settings = MeshSettings.Parse(MeshConfig);
        Assert.Equal(5.0, Mesh(settings, Telemetry("tracing: [{randomSamplingPercentage: 5}]")).Sidecar("a", "default").Snapshot.Tracing!.SamplingPercent);
        Assert.Equal(25.0, Mesh(settings, Telemetry("tracing: [{providers: [{name: otel-grpc}]}]")).Sidecar("a", "default").Snapshot.Tracing!.SamplingPercent);
        Assert.Equal(1.0, Mesh(MeshSettings.Default, Telemetry("tracing: [{providers: [{name: otel}]}]")).Sidecar("a", "default").Snapshot.Tracing!.SamplingPercent);
    }

    [Fact]
    public void A_telemetry_provider_picks_its_collector_and_grpc_is_the_default_protocol()
    {
        var tracing = Mesh(MeshSettings.Parse(MeshConfig), Telemetry("tracing: [{providers: [{name: otel-grpc}]}]")).Sidecar("a", "default").Snapshot.Tracing!;
        Assert.Equal(("otel-grpc", "http://otel.example.com:4317", true), (tracing.Provider, tracing.Collector, tracing.CollectorGrpc));
    }

    [Fact]
    public void A_collector_registered_in_the_mesh_is_reached_at_its_instance()
    {
        var collector = """
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: collector, namespace: observability}
            spec:
              hosts: [collector.observability.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 4318, name: http-otlp, protocol: HTTP, targetPort: 14318}]
              endpoints: [{address: 127.0.0.9}]
            """;
        var tracing = Mesh(MeshSettings.Parse(MeshConfig), collector).Sidecar("a", "default").Snapshot.Tracing!;
        Assert.Equal("http://127.0.0.9:14318/v1/traces", tracing.Collector);
    }

    [Fact]
    public void Custom_tags_are_translated_and_formatter_tags_are_named_in_notices()
    {
        var snapshot = Mesh(MeshSettings.Default, Telemetry("""
            tracing:
            - randomSamplingPercentage: 100
              customTags:
                team: {literal: {value: payments}}
                pod: {environment: {name: POD_NAME, defaultValue: unknown}}
                user: {header: {name: End-User, defaultValue: anonymous}}
                size: {formatter: {value: "%BYTES_RECEIVED%"}}
            """)).Sidecar("a", "default").Snapshot;
        var tags = snapshot.Tracing!.CustomTags.ToDictionary(t => t.Name);
        Assert.Equal(3, tags.Count);
        Assert.Equal("payments", tags["team"].Literal);
        Assert.Equal(("POD_NAME", "unknown"), (tags["pod"].Environment, tags["pod"].DefaultValue));
        Assert.Equal(("end-user", "anonymous"), (tags["user"].Header, tags["user"].DefaultValue));
        Assert.Contains(snapshot.Notices, n => n.Contains("customTags.size: formatter tags are not supported", StringComparison.Ordinal));
    }

    [Fact]
    public void A_provider_missing_from_the_mesh_config_is_named_in_notices()
    {
        var snapshot = Mesh(MeshSettings.Parse(MeshConfig), Telemetry("tracing: [{providers: [{name: zipkin}]}]")).Sidecar("a", "default").Snapshot;
        Assert.Equal("", snapshot.Tracing!.Collector);
        Assert.Contains(snapshot.Notices, n => n.Contains("tracing provider \"zipkin\" is not an opentelemetry extensionProvider", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("defaultConfig: {tracing: {sampling: 150}}", "defaultConfig.tracing.sampling must be a percentage from 0 to 100")]
    [InlineData("extensionProviders: [{name: otel, opentelemetry: {port: 4317}}]", "extensionProviders[0].opentelemetry.service is required")]
    [InlineData("extensionProviders: [{name: otel, opentelemetry: {service: c, port: 0}}]", "extensionProviders[0].opentelemetry.port must be a port number")]
    public void A_malformed_mesh_tracing_setting_names_the_field(string yaml, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => MeshConfigFile.Tracing(yaml)).Message, StringComparison.Ordinal);
}
