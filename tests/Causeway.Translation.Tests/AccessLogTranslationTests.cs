using Causeway.Translation.Mesh;
using Causeway.Translation.Tests.Support;

namespace Causeway.Translation.Tests.Translation;

/// <summary>Which proxies log, as Istio's Telemetry API decides it (most specific resource wins; mesh config as the fallback).</summary>
public class AccessLogTranslationTests
{
    private static string Telemetry(string ns, string spec, string name = "logs") => TestMesh.Telemetry(ns, name, spec);

    [Fact]
    public void Access_logs_are_off_by_default_as_in_istio() =>
        Assert.Null(TestMesh.Load(TestMesh.Service("web", "default")).Sidecar("a", "default").Snapshot.AccessLog);

    [Fact]
    public void The_root_namespace_telemetry_turns_the_envoy_provider_on_mesh_wide()
    {
        var log = TestMesh.Load(TestMesh.Service("web", "default"), Telemetry("istio-system", "accessLogging: [{providers: [{name: envoy}]}]"))
            .Sidecar("a", "default").Snapshot.AccessLog;
        Assert.NotNull(log);
        Assert.Equal(("/dev/stdout", false, true, true), (log.Path, log.Json, log.Client, log.Server));
    }

    [Fact]
    public void A_workload_selector_beats_the_namespace_which_beats_the_root()
    {
        var mesh = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", "accessLogging: [{providers: [{name: envoy}]}]"),
            Telemetry("default", "accessLogging: [{disabled: true}]", "ns"),
            Telemetry("default", "selector: {matchLabels: {app: chatty}}\naccessLogging: [{providers: [{name: envoy}], match: {mode: SERVER}}]", "chatty"));
        Assert.Null(mesh.Sidecar("a", "default").Snapshot.AccessLog);
        var chatty = mesh.Sidecar("b", "default", ("app", "chatty")).Snapshot.AccessLog;
        Assert.Equal((false, true), (chatty!.Client, chatty.Server));
        Assert.NotNull(mesh.Sidecar("c", "other").Snapshot.AccessLog);
    }

    [Fact]
    public void Mesh_config_access_log_file_and_json_encoding_apply_without_telemetry()
    {
        var loaded = TestMesh.Load(TestMesh.Service("web", "default"));
        var mesh = new MeshState(loaded.Resources, settings: new MeshSettings(AccessLogFile: "/var/log/access.log", AccessLogJson: true));
        var log = mesh.Sidecar("a", "default").Snapshot.AccessLog;
        Assert.Equal(("/var/log/access.log", true), (log!.Path, log.Json));
    }

    [Fact]
    public void Unsupported_providers_are_named_in_notices()
    {
        var snapshot = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", "accessLogging: [{providers: [{name: envoy}, {name: otel}]}]"))
            .Sidecar("a", "default").Snapshot;
        Assert.Contains(snapshot.Notices, n => n.Contains("\"otel\" is not supported", StringComparison.Ordinal));
        Assert.NotNull(snapshot.AccessLog);
    }

    [Fact]
    public void Filters_go_to_the_side_their_entry_matches()
    {
        var log = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", """
                accessLogging:
                - providers: [{name: envoy}]
                  match: {mode: CLIENT}
                  filter: {expression: "response.code >= 400"}
                - providers: [{name: envoy}]
                  match: {mode: SERVER}
                """))
            .Sidecar("a", "default").Snapshot.AccessLog;
        Assert.Equal(("response.code >= 400", ""), (log!.ClientFilter, log.ServerFilter));
        Assert.True(log.Client && log.Server);
    }

    [Fact]
    public void A_filter_that_is_not_valid_cel_is_named_and_dropped()
    {
        var snapshot = TestMesh.Load(TestMesh.Service("web", "default"),
            Telemetry("istio-system", "accessLogging: [{providers: [{name: envoy}], filter: {expression: \"response.code >= \"}}]", "broken"))
            .Sidecar("a", "default").Snapshot;
        Assert.Contains(snapshot.Notices, n => n.Contains("Telemetry istio-system/broken: accessLogging filter \"response.code >= \": not valid CEL", StringComparison.Ordinal));
        Assert.Equal("", snapshot.AccessLog!.ClientFilter);
    }
}
