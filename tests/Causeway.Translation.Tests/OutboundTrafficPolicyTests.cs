using Causeway.Api.Analysis;
using Causeway.Translation.Mesh;
using Causeway.Translation.Tests.Support;
using Causeway.Protocol.V1;

namespace Causeway.Translation.Tests.Translation;

/// <summary>
/// MeshConfig <c>outboundTrafficPolicy</c> and the Sidecar resource's: what a sidecar does with a destination the mesh
/// does not know. Istio's default is ALLOW_ANY (PassthroughCluster, to the original destination); REGISTRY_ONLY
/// blocks it (HTTP: Istio's block_all route, a 502 direct response; TLS: no filter chain, the handshake fails).
/// </summary>
public class OutboundTrafficPolicyTests
{
    [Fact]
    public void Allow_any_is_the_default_and_passes_captured_unknown_hosts_to_the_passthrough_cluster()
    {
        var sim = TestMesh.Load(TestMesh.Service("b", "default")).Sidecar("a", "default");
        var captured = sim.Send(9080, "httpbin.org", captured: true);
        Assert.Equal("forward", captured.Outcome);
        Assert.Equal("allow_any", captured.VirtualHost);
        Assert.Equal("PassthroughCluster", captured.Cluster);
        Assert.True(sim.Cluster("PassthroughCluster")!.OriginalDestination);

        // Not captured (the application dialled the proxy itself): no original destination, nothing to pass to.
        Assert.Equal("404 NR (no virtual host)", sim.Send(9080, "httpbin.org").Outcome);

        // Known hosts are routed as before, captured or not.
        Assert.Equal("outbound|9080||b.default.svc.cluster.local", sim.Send(9080, "b", captured: true).Cluster);
    }

    [Fact]
    public void Registry_only_in_mesh_config_answers_502_for_unknown_hosts_and_closes_unknown_tls()
    {
        var yaml = TestMesh.Service("b", "default") + "---\n" + TestMesh.Service("api", "default", 443, "TLS");
        var mesh = new MeshState(TestMesh.Load(yaml).Resources, settings: MeshSettings.Parse("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n"));
        var sim = mesh.Sidecar("a", "default");
        var blocked = sim.Send(9080, "httpbin.org", captured: true);
        Assert.Equal("direct 502", blocked.Outcome);
        Assert.Equal("block_all", blocked.VirtualHost);
        Assert.Null(sim.Cluster("PassthroughCluster"));
        var tls = Assert.Single(sim.Snapshot.Listeners, l => l.Port == 443 && l.Direction == TrafficDirection.Outbound);
        Assert.DoesNotContain(tls.SniRoutes, r => r.ServerNames.Contains("*"));
    }

    [Theory]
    [InlineData("REGISTRY_ONLY", "ALLOW_ANY", "forward")]
    [InlineData("ALLOW_ANY", "REGISTRY_ONLY", "direct 502")]
    public void The_sidecar_resources_policy_wins_over_the_mesh_config(string mesh, string sidecar, string outcome)
    {
        var yaml = TestMesh.Service("b", "default") + $$"""
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: default}
            spec:
              outboundTrafficPolicy: {mode: {{sidecar}}}
            """;
        var state = new MeshState(TestMesh.Load(yaml).Resources, settings: MeshSettings.Parse($"outboundTrafficPolicy: {{mode: {mesh}}}\n"));
        Assert.Equal(outcome, state.Sidecar("a", "default").Send(9080, "httpbin.org", captured: true).Outcome);
    }

    [Fact]
    public void Mesh_config_modes_are_read_as_istio_names_them_and_others_are_refused()
    {
        Assert.Equal("ALLOW_ANY", MeshConfigFile.OutboundTrafficPolicy(""));
        Assert.Equal("ALLOW_ANY", MeshConfigFile.OutboundTrafficPolicy("outboundTrafficPolicy: {mode: ALLOW_ANY_DYNAMIC_DNS}"));
        Assert.Equal("REGISTRY_ONLY", MeshConfigFile.OutboundTrafficPolicy("outboundTrafficPolicy: {mode: REGISTRY_ONLY}"));
        var error = Assert.Throws<FormatException>(() => MeshConfigFile.OutboundTrafficPolicy("outboundTrafficPolicy: {mode: DENY}"));
        Assert.Contains("outboundTrafficPolicy.mode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gateways_have_no_catch_all_an_unknown_host_there_is_404()
    {
        var sim = TestMesh.Load(TestMesh.Service("b", "default"), """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              selector: {istio: ingressgateway}
              servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [b.example.com]}]
            """).Gateway(("istio", "ingressgateway"));
        Assert.Equal("404 NR (no virtual host)", sim.Send(80, "httpbin.org", captured: true).Outcome);
    }
}
