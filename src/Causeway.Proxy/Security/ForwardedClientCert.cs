using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Causeway.Protocol.V1;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Security;

/// <summary>
/// The <c>x-forwarded-client-cert</c> header (XFCC) as Istio configures Envoy: a sidecar's inbound side APPEND_FORWARDs
/// (an mTLS caller's element is appended to what came, a plaintext caller's header passes unchanged), a gateway
/// SANITIZE_SETs (Istio's gatewayTopology default: the header is replaced by the client certificate's element when the
/// client presented one, else removed) and a sidecar's outbound side SANITIZEs (Envoy's default: an application
/// cannot forge it). The element is Envoy's <c>By=…;Hash=…;Subject="…";URI=…;DNS=…</c> with the subject, URI and DNS
/// parts Istio asks for (istio.io authentication task: <c>By=spiffe://…/sa/httpbin;Hash=…;Subject="";URI=spiffe://…/sa/sleep</c>).
/// </summary>
public static class ForwardedClientCert
{
    public const string Header = "x-forwarded-client-cert";

    /// <summary>The value to send upstream, or null to send none.</summary>
    public static string? For(TrafficDirection direction, HttpRequest incoming, X509Certificate2? peer, X509Certificate2? own)
    {
        if (direction == TrafficDirection.Outbound)
        {
            return null;
        }

        var element = peer is null ? null : Cached(peer, own);
        if (direction == TrafficDirection.GatewayIngress)
        {
            return element;
        }

        var came = incoming.Headers.TryGetValue(Header, out var values) && values.Count > 0 ? values.ToString() : null;
        return element is null ? came : came is null ? element : came + "," + element;
    }

    /// <summary>A connection's peer certificate: its element is built (hashed, its names parsed) once, not per request; a rotated own certificate rebuilds it.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, Built> Elements = new();

    private static string Cached(X509Certificate2 peer, X509Certificate2? own)
    {
        if (Elements.TryGetValue(peer, out var built) && ReferenceEquals(built.Own, own))
        {
            return built.Element;
        }

        var element = Element(peer, own);
        Elements.AddOrUpdate(peer, new Built(own, element));
        return element;
    }

    private sealed record Built(X509Certificate2? Own, string Element);

    /// <summary>One certificate's element, in Envoy's key order; the subject in RFC 2253 form (no space after commas), as Envoy prints it.</summary>
    public static string Element(X509Certificate2 peer, X509Certificate2? own)
    {
        var parts = new List<string>(5);
        foreach (var uri in Uris(own))
        {
            parts.Add("By=" + uri);
        }

        parts.Add("Hash=" + Convert.ToHexStringLower(SHA256.HashData(peer.RawData)));
        parts.Add("Subject=\"" + peer.SubjectName.Name.Replace(", ", ",", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        foreach (var uri in Uris(peer))
        {
            parts.Add("URI=" + uri);
        }

        foreach (var dns in SubjectAltNames.Read(peer).Where(n => !n.Contains(':', StringComparison.Ordinal)))
        {
            parts.Add("DNS=" + dns);
        }

        return string.Join(';', parts);
    }

    private static IEnumerable<string> Uris(X509Certificate2? certificate) =>
        certificate is null ? [] : SubjectAltNames.Read(certificate).Where(n => n.Contains(':', StringComparison.Ordinal));
}
