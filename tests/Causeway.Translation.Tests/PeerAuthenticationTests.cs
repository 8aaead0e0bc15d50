using Causeway.Protocol.V1;
using Causeway.Translation.Tests.Support;

namespace Causeway.Translation.Tests;

/// <summary>
/// PeerAuthentication as Istio resolves it for a sidecar's inbound ports: workload (port level first), then
/// namespace, then the root namespace; UNSET inherits; nothing at all is PERMISSIVE.
/// </summary>
public sealed class PeerAuthenticationTests
{
    private static string Peer(string name, string ns, string spec) => $"""
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {"{"}name: {name}, namespace: {ns}{"}"}
        spec: {spec}
        """;

    private static MeshTlsMode Mode(params string[] docs)
    {
        var mesh = TestMesh.Load([TestMesh.Service("reviews", "bookinfo"), .. docs]);
        var snapshot = ProxySnapshotBuilder.Build(mesh, ProxyRequest.Resolve(mesh, ProxyRole.Sidecar, "reviews-v1", "bookinfo", new Dictionary<string, string>())!);
        return snapshot.Listeners.Single(l => l.Direction == TrafficDirection.Inbound).MeshTls;
    }

    [Fact]
    public void Nothing_set_is_permissive_and_the_most_specific_level_wins()
    {
        Assert.Equal(MeshTlsMode.MeshTlsPermissive, Mode());
        Assert.Equal(MeshTlsMode.MeshTlsStrict, Mode(Peer("default", "istio-system", "{mtls: {mode: STRICT}}")));
        Assert.Equal(MeshTlsMode.MeshTlsPermissive, Mode(Peer("default", "istio-system", "{mtls: {mode: STRICT}}"), Peer("ns", "bookinfo", "{mtls: {mode: PERMISSIVE}}")));
        Assert.Equal(MeshTlsMode.MeshTlsNone, Mode(Peer("ns", "bookinfo", "{mtls: {mode: STRICT}}"), Peer("wl", "bookinfo", "{selector: {matchLabels: {app: reviews}}, mtls: {mode: DISABLE}}")));
        // UNSET inherits from the level above; another namespace's policy never applies
        Assert.Equal(MeshTlsMode.MeshTlsStrict, Mode(Peer("default", "istio-system", "{mtls: {mode: STRICT}}"), Peer("wl", "bookinfo", "{selector: {matchLabels: {app: reviews}}, mtls: {mode: UNSET}}")));
        Assert.Equal(MeshTlsMode.MeshTlsPermissive, Mode(Peer("other", "default", "{mtls: {mode: STRICT}}")));
    }

    [Fact]
    public void Port_level_mtls_of_the_workload_policy_overrides_its_mode_for_that_port()
    {
        Assert.Equal(MeshTlsMode.MeshTlsNone, Mode(Peer("wl", "bookinfo", "{selector: {matchLabels: {app: reviews}}, mtls: {mode: STRICT}, portLevelMtls: {\"9080\": {mode: DISABLE}}}")));
        Assert.Equal(MeshTlsMode.MeshTlsStrict, Mode(Peer("wl", "bookinfo", "{selector: {matchLabels: {app: reviews}}, mtls: {mode: STRICT}, portLevelMtls: {\"8080\": {mode: DISABLE}}}")));
    }
}
