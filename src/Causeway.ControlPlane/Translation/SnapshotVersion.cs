using System.Security.Cryptography;
using Causeway.Protocol.V1;
using Google.Protobuf;

namespace Causeway.ControlPlane.Translation;

/// <summary>
/// A snapshot's version is derived from its content, so the same config always yields the same version and a proxy
/// can tell "nothing changed" from "something changed" without comparing snapshots.
/// </summary>
internal static class SnapshotVersion
{
    public static string Of(ProxySnapshot snapshot)
    {
        var copy = snapshot.Clone();
        copy.Version = "";
        var hash = SHA256.HashData(copy.ToByteArray());
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
