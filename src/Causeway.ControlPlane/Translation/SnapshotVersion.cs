using System.Security.Cryptography;
using Causeway.Protocol.V1;
using Google.Protobuf;

namespace Causeway.ControlPlane.Translation;

/// <summary>
/// A snapshot's version is derived from its content, so the same config always yields the same version and a proxy
/// can tell "nothing changed" from "something changed" without comparing snapshots.
/// </summary>
public static class SnapshotVersion
{
    public static string Of(ProxySnapshot snapshot)
    {
        var copy = snapshot.Clone();
        copy.Version = "";
        var hash = SHA256.HashData(copy.ToByteArray());
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    /// <summary>
    /// The version of everything but the endpoints: when it is unchanged between two snapshots, only endpoints moved
    /// and the control plane sends just those.
    /// </summary>
    public static string OfStructure(ProxySnapshot snapshot)
    {
        var copy = snapshot.Clone();
        copy.Version = "";
        copy.Endpoints.Clear();
        var hash = SHA256.HashData(copy.ToByteArray());
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
