using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Causeway.Proxy.Security;

/// <summary>
/// Mutual TLS between mesh workloads on the server side (a sidecar's inbound port under PERMISSIVE or STRICT): the
/// workload certificate is presented, the client must present one that chains to the mesh root and names a SPIFFE
/// identity, which becomes the peer's principal (<c>td/ns/NS/sa/SA</c>, as Istio's source.principal) and namespace.
/// </summary>
public static class MeshPeer
{
    private static readonly List<SslApplicationProtocol> HttpProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    public static SslServerAuthenticationOptions ServerOptions(WorkloadCertificateStore store, bool http)
    {
        var mine = store.Current ?? throw new AuthenticationException("no workload certificate from the mesh CA yet: mutual TLS cannot be served");
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = mine.Context,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = true,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = http ? HttpProtocols : null,
            RemoteCertificateValidationCallback = (_, presented, chain, _) =>
                presented is not null && CertificateChains.ChainsTo(presented, chain, mine.Roots) && Identity(presented) is not null,
        };
    }

    /// <summary>A connection's peer certificate is parsed once for its identity, not once per request.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate, PeerIdentity> Identities = new();

    /// <summary>The SPIFFE identity of a peer certificate without "spiffe://" (Istio's principal form), and its namespace; nulls without one.</summary>
    public static (string? Principal, string? Namespace) Of(X509Certificate? certificate) =>
        certificate is null ? (null, null) : Identities.GetValue(certificate, Parse) is var peer ? (peer.Principal, peer.Namespace) : default;

    /// <summary>The peer's full SPIFFE ID (<c>spiffe://td/ns/NS/sa/SA</c>, as Istio's source_principal label); null without one.</summary>
    public static string? SpiffeIdOf(X509Certificate? certificate) => certificate is null ? null : Identities.GetValue(certificate, Parse).SpiffeId;

    private static PeerIdentity Parse(X509Certificate certificate)
    {
        if (Identity(certificate) is not { } spiffe)
        {
            return new PeerIdentity(null, null, null);
        }

        var principal = spiffe["spiffe://".Length..];
        var parts = principal.Split('/');
        var ns = Array.IndexOf(parts, "ns") is var i and >= 0 && i + 1 < parts.Length ? parts[i + 1] : null;
        return new PeerIdentity(spiffe, principal, ns);
    }

    private sealed record PeerIdentity(string? SpiffeId, string? Principal, string? Namespace);

    private static string? Identity(X509Certificate certificate) =>
        SubjectAltNames.Read(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()))
            .FirstOrDefault(n => n.StartsWith("spiffe://", StringComparison.Ordinal));
}
