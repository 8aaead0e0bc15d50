using System.Security.Cryptography;
using Causeway.Protocol.V1;
using Google.Protobuf;

namespace Causeway.Translation;

/// <summary>
/// A snapshot's version is derived from its content, so the same config always yields the same version and a proxy
/// can tell "nothing changed" from "something changed" without comparing snapshots.
/// </summary>
public static class SnapshotVersion
{
    public static string Of(ProxySnapshot snapshot) => Hash(Shallow(snapshot, withEndpoints: true));

    /// <summary>
    /// The version of everything but the endpoints: when it is unchanged between two snapshots, only endpoints moved
    /// and the control plane sends just those.
    /// </summary>
    public static string OfStructure(ProxySnapshot snapshot) => Hash(Shallow(snapshot, withEndpoints: false));

    /// <summary>The version of a snapshot made of two separately hashed halves.</summary>
    public static string Combine(string shared, string own) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(shared + "+" + own)).AsSpan(0, 8));

    /// <summary>A snapshot sharing the parts (no deep copy: a snapshot can be large), without its version.</summary>
    private static ProxySnapshot Shallow(ProxySnapshot snapshot, bool withEndpoints)
    {
        // Every field but the version and, for the structure, the endpoints: a field left out here would change without
        // changing the version, and the change would never be pushed.
        var copy = new ProxySnapshot
        {
            Proxy = snapshot.Proxy,
            AccessLog = snapshot.AccessLog,
            Tracing = snapshot.Tracing,
            IstioMetricsDisabled = snapshot.IstioMetricsDisabled,
            Metrics = snapshot.Metrics,
            PathNormalization = snapshot.PathNormalization,
            Security = snapshot.Security,
        };
        copy.Listeners.Add(snapshot.Listeners);
        copy.RouteTables.Add(snapshot.RouteTables);
        copy.Clusters.Add(snapshot.Clusters);
        copy.Notices.Add(snapshot.Notices);
        if (withEndpoints)
        {
            copy.Endpoints.Add(snapshot.Endpoints);
        }

        return copy;
    }

    private static string Hash(ProxySnapshot snapshot)
    {
        var size = snapshot.CalculateSize();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        try
        {
            snapshot.WriteTo(buffer.AsSpan(0, size));
            return Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, size)).AsSpan(0, 8));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
