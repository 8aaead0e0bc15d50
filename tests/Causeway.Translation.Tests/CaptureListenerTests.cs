using Causeway.Translation.Mesh;
using Causeway.Translation.Tests.Support;
using Causeway.Protocol.V1;

namespace Causeway.Translation.Tests.Translation;

/// <summary>
/// A sidecar behind iptables capture gets Envoy's two virtual listeners (Istio's interception mode REDIRECT):
/// virtualOutbound on 15001 whose own route is the PassthroughCluster under ALLOW_ANY and nothing (BlackHoleCluster:
/// closed) under REGISTRY_ONLY, and virtualInbound on 15006 whose own route is the InboundPassthroughCluster to
/// the original destination. A sidecar that is not captured gets neither.
/// </summary>
public class CaptureListenerTests
{
    [Fact]
    public void A_captured_sidecar_gets_the_virtual_outbound_and_inbound_listeners_with_passthrough_routes()
    {
        var mesh = TestMesh.Load(TestMesh.Service("b", "default"));
        var snapshot = ProxySnapshotBuilder.Build(mesh, ProxyRequest.Sidecar("a", "default", new Dictionary<string, string>()) with { Captured = true });
        var outbound = Assert.Single(snapshot.Listeners, l => l.Capture && l.Direction == TrafficDirection.Outbound);
        Assert.Equal(("virtualOutbound", 15001u, ListenerProtocol.Tcp), (outbound.Name, outbound.Port, outbound.Protocol));
        Assert.Equal("PassthroughCluster", Assert.Single(outbound.Tcp.Clusters).Cluster);
        var inbound = Assert.Single(snapshot.Listeners, l => l.Capture && l.Direction == TrafficDirection.Inbound);
        Assert.Equal(("virtualInbound", 15006u), (inbound.Name, inbound.Port));
        Assert.Equal("InboundPassthroughCluster", Assert.Single(inbound.Tcp.Clusters).Cluster);
        Assert.True(Assert.Single(snapshot.Clusters, c => c.Name == "InboundPassthroughCluster").OriginalDestination);
        Assert.Single(snapshot.Clusters, c => c.Name == "PassthroughCluster"); // once, though outbound HTTP also uses it

        var plain = ProxySnapshotBuilder.Build(mesh, ProxyRequest.Sidecar("a", "default", new Dictionary<string, string>()));
        Assert.DoesNotContain(plain.Listeners, l => l.Capture);
        Assert.DoesNotContain(plain.Clusters, c => c.Name == "InboundPassthroughCluster");
    }

    [Fact]
    public void Under_registry_only_the_virtual_outbound_listener_closes_what_no_listener_takes()
    {
        var mesh = new MeshState(TestMesh.Load(TestMesh.Service("b", "default")).Resources, settings: MeshSettings.Parse("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n"));
        var snapshot = ProxySnapshotBuilder.Build(mesh, ProxyRequest.Sidecar("a", "default", new Dictionary<string, string>()) with { Captured = true });
        var outbound = Assert.Single(snapshot.Listeners, l => l.Capture && l.Direction == TrafficDirection.Outbound);
        Assert.Empty(outbound.Tcp.Clusters);
        Assert.DoesNotContain(snapshot.Clusters, c => c.Name == "PassthroughCluster");
    }
}
