using Causeway.ControlPlane.Tests.Support;

namespace Causeway.ControlPlane.Tests.Translation;

/// <summary>Istio's standard metrics are on by default; a Telemetry override with disabled: true turns them off (istio.io "Customizing Istio Metrics").</summary>
public class MetricsTranslationTests
{
    private static string Telemetry(string ns, string spec, string name = "metrics") => TestMesh.Telemetry(ns, name, spec);

    [Fact]
    public void Metrics_are_on_by_default() =>
        Assert.False(TestMesh.Load(TestMesh.Service("web", "default")).Sidecar("a", "default").Snapshot.IstioMetricsDisabled);

    [Fact]
    public void Disabling_all_metrics_mesh_wide_and_a_namespace_turning_them_back_on()
    {
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", "metrics: [{providers: [{name: prometheus}], overrides: [{disabled: true}]}]"),
            Telemetry("loud", "metrics: [{providers: [{name: prometheus}]}]", "on"));
        Assert.True(mesh.Sidecar("a", "default").Snapshot.IstioMetricsDisabled);
        Assert.False(mesh.Sidecar("b", "loud").Snapshot.IstioMetricsDisabled);
    }

    [Fact]
    public void Disabling_one_metric_is_not_served_and_says_so()
    {
        var snapshot = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", "metrics: [{overrides: [{match: {metric: REQUEST_COUNT}, disabled: true}, {match: {metric: ALL_METRICS}, disabled: true}]}]"))
            .Sidecar("a", "default").Snapshot;
        Assert.True(snapshot.IstioMetricsDisabled); // the ALL_METRICS override applies
        Assert.Contains(snapshot.Notices, n => n.Contains("only all metrics can be turned off", StringComparison.Ordinal));
    }
}
