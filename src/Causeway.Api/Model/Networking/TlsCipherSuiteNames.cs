namespace Causeway.Api.Model.Networking;

/// <summary>
/// The cipher suite names a Gateway server's <c>tls.cipherSuites</c> may hold: Istio's list of valid names
/// (pkg/config/security ValidCipherSuites, the OpenSSL/BoringSSL spelling Envoy takes), each with its IANA code, so
/// the proxy can restrict its TLS 1.2 handshakes to them. BoringSSL's equal-preference groups
/// (<c>[A|B]</c>) name several suites at once. Istio warns about a name it does not know and ignores it.
/// </summary>
public static class TlsCipherSuiteNames
{
    private static readonly Dictionary<string, ushort> Codes = new(StringComparer.Ordinal)
    {
        ["ECDHE-ECDSA-AES128-GCM-SHA256"] = 0xC02B,
        ["ECDHE-RSA-AES128-GCM-SHA256"] = 0xC02F,
        ["ECDHE-ECDSA-AES256-GCM-SHA384"] = 0xC02C,
        ["ECDHE-RSA-AES256-GCM-SHA384"] = 0xC030,
        ["ECDHE-ECDSA-CHACHA20-POLY1305"] = 0xCCA9,
        ["ECDHE-RSA-CHACHA20-POLY1305"] = 0xCCA8,
        ["ECDHE-PSK-CHACHA20-POLY1305"] = 0xCCAC,
        ["ECDHE-ECDSA-AES128-SHA"] = 0xC009,
        ["ECDHE-RSA-AES128-SHA"] = 0xC013,
        ["ECDHE-PSK-AES128-CBC-SHA"] = 0xC035,
        ["ECDHE-ECDSA-AES256-SHA"] = 0xC00A,
        ["ECDHE-RSA-AES256-SHA"] = 0xC014,
        ["ECDHE-PSK-AES256-CBC-SHA"] = 0xC036,
        ["AES128-GCM-SHA256"] = 0x009C,
        ["AES256-GCM-SHA384"] = 0x009D,
        ["AES128-SHA"] = 0x002F,
        ["AES256-SHA"] = 0x0035,
        ["PSK-AES128-CBC-SHA"] = 0x008C,
        ["PSK-AES256-CBC-SHA"] = 0x008D,
        ["DES-CBC3-SHA"] = 0x000A,
    };

    /// <summary>The IANA codes one entry names (one suite, or each of an <c>[A|B]</c> group); empty when it names none Istio knows.</summary>
    public static IReadOnlyList<ushort> CodesOf(string entry)
    {
        var names = entry.Length > 2 && entry[0] == '[' && entry[^1] == ']' ? entry[1..^1].Split('|') : [entry];
        var codes = new List<ushort>(names.Length);
        foreach (var name in names)
        {
            if (!Codes.TryGetValue(name.Trim(), out var code))
            {
                return [];
            }

            codes.Add(code);
        }

        return codes;
    }

    public static bool IsValid(string entry) => CodesOf(entry).Count > 0;
}
