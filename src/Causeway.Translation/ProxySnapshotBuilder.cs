using System.Globalization;
using Causeway.Translation.Mesh;
using Causeway.Translation.Registry;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// The translation: (mesh state, proxy identity and role) to the proxy's snapshot. Pure: no I/O, no clock, no
/// randomness, so the same input gives the same snapshot (and version), and it can be tested exhaustively.
/// </summary>
public static class ProxySnapshotBuilder
{
    public static ProxySnapshot Build(MeshState mesh, ProxyRequest proxy) => BuildVersioned(mesh, proxy).Snapshot;

    /// <summary>
    /// The snapshot and the hash of everything in it but endpoints (the push server sends only endpoints when that is
    /// unchanged). A sidecar's outbound half comes from <see cref="OutboundScopes"/>, shared with the sidecars of the
    /// same scope; its version combines the shared half's hash with its own part's, so no proxy re-serialises the
    /// shared half to version it.
    /// </summary>
    public static VersionedSnapshot BuildVersioned(MeshState mesh, ProxyRequest proxy)
    {
        var snapshot = new ProxySnapshot
        {
            Proxy = new ProxyIdentity
            {
                Role = proxy.Role,
                Name = proxy.Name,
                Namespace = proxy.Namespace,
                ServiceAccount = proxy.ServiceAccount,
                Address = proxy.Address,
                Locality = proxy.Locality,
            },
        };
        foreach (var (k, v) in proxy.Labels)
        {
            snapshot.Proxy.Labels[k] = v;
        }

        snapshot.AccessLog = AccessLogPolicy.For(mesh, proxy, snapshot.Notices);
        snapshot.Tracing = TracingPolicy.For(mesh, proxy, snapshot.Notices);
        (snapshot.IstioMetricsDisabled, snapshot.Metrics) = MetricsPolicy.For(mesh, proxy, snapshot.Notices);
        snapshot.PathNormalization = mesh.Settings.PathNormalization switch
        {
            "NONE" => PathNormalization.None,
            "MERGE_SLASHES" => PathNormalization.MergeSlashes,
            "DECODE_AND_MERGE_SLASHES" => PathNormalization.DecodeAndMergeSlashes,
            _ => PathNormalization.Base,
        };
        snapshot.Security = RequestSecurityPolicy.For(mesh, proxy, snapshot.Notices);
        var clusters = new ClusterSet(mesh, DestinationRuleIndex.For(mesh), proxy);
        if (proxy.Role == ProxyRole.Gateway)
        {
            GatewayListeners.Build(mesh, VirtualServiceIndex.For(mesh), proxy, snapshot, clusters);
            clusters.WriteTo(snapshot);
            snapshot.Version = SnapshotVersion.Of(snapshot);
            return new VersionedSnapshot(snapshot, SnapshotVersion.OfStructure(snapshot));
        }

        // The proxy's own part (identity and inbound side), hashed on its own, then the shared outbound half.
        var shared = OutboundScopes.For(mesh).Get(proxy);
        SidecarListeners.BuildInbound(mesh, proxy, snapshot, clusters);
        SidecarListeners.BuildCapture(proxy, snapshot, clusters);
        clusters.WriteTo(snapshot);
        var own = (SnapshotVersion.Of(snapshot), SnapshotVersion.OfStructure(snapshot));
        var inboundListeners = snapshot.Listeners.ToList();
        snapshot.Listeners.Clear();
        snapshot.Listeners.Add(shared.Snapshot.Listeners); // outbound listeners first, as a single translation orders them
        snapshot.Listeners.Add(inboundListeners);
        snapshot.RouteTables.Add(shared.Snapshot.RouteTables);
        snapshot.Clusters.Add(shared.Snapshot.Clusters);
        snapshot.Endpoints.Add(shared.Snapshot.Endpoints);
        snapshot.Notices.Add(shared.Snapshot.Notices);
        snapshot.Version = SnapshotVersion.Combine(shared.Version, own.Item1);
        return new VersionedSnapshot(snapshot, SnapshotVersion.Combine(shared.Structure, own.Item2));
    }

    /// <summary>A snapshot with its structure hash (everything but endpoints).</summary>
    public sealed record VersionedSnapshot(ProxySnapshot Snapshot, string Structure);

    internal static string Port(uint port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Routes a host by default when no VirtualService applies: everything to the service's port.</summary>
    internal static Route DefaultRoute(ServiceModel service, uint port, ClusterSet clusters)
    {
        var reference = new ClusterRef(service.Hostname, port, "", service);
        clusters.Add(reference);
        var route = new Route
        {
            Name = "default",
            Forward = new RouteAction { Clusters = { new WeightedCluster { Cluster = reference.Name, Weight = 100 } } },
        };
        route.Retry = RetryPolicyTranslator.Translate(null, clusters.IsConsistentHash(reference.Name), clusters.Mesh.Settings.DefaultHttpRetryPolicy);
        return route;
    }

    internal static void AddAll(ClusterSet set, IEnumerable<ClusterRef> refs)
    {
        foreach (var r in refs)
        {
            set.Add(r);
        }
    }

    internal static bool IsTcpProtocol(string? protocol) => protocol?.ToUpperInvariant() is "TCP" or "TLS" or "MONGO" or "MYSQL" or "REDIS";
}
