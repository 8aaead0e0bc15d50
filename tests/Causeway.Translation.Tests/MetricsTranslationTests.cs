using Causeway.Translation.Tests.Support;
using Causeway.Protocol.V1;

namespace Causeway.Translation.Tests.Translation;

/// <summary>
/// Istio's standard metrics are on by default; Telemetry metrics overrides (istio.io "Customizing Istio Metrics with
/// Telemetry API") disable metrics and remove or upsert tags, applied root namespace first, then the namespace, then
/// the workload, each on top of the inherited ones (the Telemetry API reference, Metrics.overrides).
/// </summary>
public class MetricsTranslationTests
{
    private static string Telemetry(string ns, string spec, string name = "metrics") => TestMesh.Telemetry(ns, name, spec);

    [Fact]
    public void Metrics_are_on_by_default()
    {
        var snapshot = TestMesh.Load(TestMesh.Service("web", "default")).Sidecar("a", "default").Snapshot;
        Assert.False(snapshot.IstioMetricsDisabled);
        Assert.Null(snapshot.Metrics);
    }

    [Fact]
    public void Disabling_all_metrics_mesh_wide_and_a_namespace_turning_them_back_on()
    {
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", "metrics: [{providers: [{name: prometheus}], overrides: [{disabled: true}]}]"),
            Telemetry("loud", "metrics: [{providers: [{name: prometheus}], overrides: [{match: {metric: ALL_METRICS}, disabled: false}]}]", "on"));
        Assert.True(mesh.Sidecar("a", "default").Snapshot.IstioMetricsDisabled);
        Assert.False(mesh.Sidecar("b", "loud").Snapshot.IstioMetricsDisabled);
        Assert.Null(mesh.Sidecar("b", "loud").Snapshot.Metrics);
    }

    [Fact]
    public void One_metric_on_one_side_is_disabled_and_the_rest_stay()
    {
        var snapshot = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", "metrics: [{overrides: [{match: {metric: REQUEST_COUNT, mode: CLIENT}, disabled: true}]}]"))
            .Sidecar("a", "default").Snapshot;
        Assert.False(snapshot.IstioMetricsDisabled);
        var shape = Assert.Single(snapshot.Metrics.Client.Metrics);
        Assert.Equal(("REQUEST_COUNT", true), (shape.Metric, shape.Disabled));
        Assert.Empty(snapshot.Metrics.Server.Metrics);
    }

    [Fact]
    public void Tag_overrides_add_up_down_the_hierarchy_and_a_later_one_wins()
    {
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", """
                metrics:
                - overrides:
                  - tagOverrides:
                      request_protocol: {operation: REMOVE}
                      user: {value: "request.headers['X-User']"}
                  - match: {metric: REQUEST_SIZE}
                    disabled: true
                """),
            Telemetry("default", """
                metrics:
                - overrides:
                  - match: {metric: REQUEST_COUNT, mode: SERVER}
                    tagOverrides:
                      request_protocol: {value: "'plain'"}
                      method: {value: string(request.method)}
                  - match: {metric: REQUEST_SIZE}
                    disabled: false
                """, "ns"));
        var metrics = mesh.Sidecar("a", "default").Snapshot.Metrics;

        Assert.Equal([new TagValue { Header = "x-user" }], metrics.Client.Values);
        var clientCount = metrics.Client.Metrics.Single(m => m.Metric == "REQUEST_COUNT");
        Assert.Equal(["request_protocol"], clientCount.Removed);
        Assert.Equal(0, clientCount.Upserted["user"]);
        Assert.DoesNotContain(metrics.Client.Metrics, m => m.Disabled); // REQUEST_SIZE re-enabled by the namespace

        // The namespace's server-side override replaces the mesh-wide REMOVE of request_protocol with an UPSERT.
        var serverCount = metrics.Server.Metrics.Single(m => m.Metric == "REQUEST_COUNT");
        Assert.Empty(serverCount.Removed);
        Assert.Equal(new TagValue { Literal = "plain" }, metrics.Server.Values[serverCount.Upserted["request_protocol"]]);
        Assert.Equal(new TagValue { Attribute = "request.method" }, metrics.Server.Values[serverCount.Upserted["method"]]);
        Assert.Equal(["request_protocol"], metrics.Server.Metrics.Single(m => m.Metric == "REQUEST_DURATION").Removed);
    }

    [Fact]
    public void An_expression_causeway_cannot_evaluate_is_named_with_its_telemetry_and_tag()
    {
        var snapshot = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", """
                metrics:
                - overrides:
                  - match: {metric: REQUEST_COUNT}
                    tagOverrides:
                      path_prefix: {value: "request.url_path.startsWith('/api') ? 'api' : 'other'"}
                      host: {value: request.host}
                """, "custom"))
            .Sidecar("a", "default").Snapshot;
        Assert.Contains(snapshot.Notices, n => n.Contains("Telemetry istio-system/custom: tagOverrides.path_prefix of REQUEST_COUNT", StringComparison.Ordinal) &&
                                               n.Contains("not an expression Causeway evaluates", StringComparison.Ordinal));
        Assert.Equal(["host"], snapshot.Metrics.Client.Metrics.Single().Upserted.Keys);
    }

    [Fact]
    public void A_custom_metric_is_named_in_a_notice()
    {
        var snapshot = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", "metrics: [{overrides: [{match: {customMetric: my_metric}, disabled: true}]}]"))
            .Sidecar("a", "default").Snapshot;
        Assert.Contains(snapshot.Notices, n => n.Contains("custom metric \"my_metric\" is not supported", StringComparison.Ordinal));
        Assert.Null(snapshot.Metrics);
    }
}
