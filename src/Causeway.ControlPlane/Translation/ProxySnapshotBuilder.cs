using System.Globalization;
using Causeway.ControlPlane.Mesh;
using Causeway.ControlPlane.Registry;
using Causeway.Protocol.V1;

namespace Causeway.ControlPlane.Translation;

/// <summary>
/// The translation: (mesh state, proxy identity and role) to the proxy's snapshot. Pure: no I/O, no clock, no
/// randomness, so the same input gives the same snapshot (and version), and it can be tested exhaustively.
/// </summary>
public static class ProxySnapshotBuilder
{
    public static ProxySnapshot Build(MeshState mesh, ProxyRequest proxy)
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

        var index = new VirtualServiceIndex(mesh);
        var clusters = new ClusterSet(mesh, new DestinationRuleIndex(mesh), proxy);
        if (proxy.Role == ProxyRole.Gateway)
        {
            GatewayListeners.Build(mesh, index, proxy, snapshot, clusters);
        }
        else
        {
            SidecarListeners.Build(mesh, index, proxy, snapshot, clusters);
        }

        clusters.WriteTo(snapshot);
        snapshot.Version = SnapshotVersion.Of(snapshot);
        return snapshot;
    }

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
