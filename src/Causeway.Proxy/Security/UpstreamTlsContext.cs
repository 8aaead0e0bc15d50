using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Causeway.Protocol.V1;
using Google.Protobuf;

namespace Causeway.Proxy.Security;

/// <summary>
/// The TLS a cluster's connections originate (DestinationRule tls SIMPLE or MUTUAL), compiled when the snapshot is
/// applied: certificates read and parsed once, so a missing or bad file rejects the snapshot and the last good one
/// keeps serving. The server's chain must reach the given roots (or the system's when none are given) and its
/// certificate carry one of the subjectAltNames, else the server name; insecureSkipVerify checks nothing.
/// </summary>
internal sealed class UpstreamTlsContext
{
    private static readonly List<SslApplicationProtocol> Http2 = [SslApplicationProtocol.Http2];
    private static readonly List<SslApplicationProtocol> Http11 = [SslApplicationProtocol.Http11];

    // Istio's sidecars offer istio-peer-exchange first on mesh connections (the metadata exchange); the server picks
    // h2 or http/1.1 from the rest. Raw TCP offers nothing: an HTTP server port under PERMISSIVE would refuse a list
    // without h2 or http/1.1.
    private static readonly SslApplicationProtocol PeerExchange = new("istio-peer-exchange");
    private static readonly List<SslApplicationProtocol> MeshHttp2 = [PeerExchange, SslApplicationProtocol.Http2];
    private static readonly List<SslApplicationProtocol> MeshHttp11 = [PeerExchange, SslApplicationProtocol.Http11];
    private readonly UpstreamTls source;
    private readonly X509Certificate2Collection? roots;
    private readonly X509Certificate2? clientCertificate;
    private readonly WorkloadCertificateStore? workload;

    public UpstreamTlsContext(UpstreamTls source, WorkloadCertificateStore? workload = null)
    {
        this.source = source;
        this.workload = workload;
        Key = Convert.ToHexString(SHA256.HashData(source.ToByteArray()));
        if (source.IstioMutual)
        {
            return; // the workload certificate and the mesh roots are read at each handshake (they rotate)
        }

        try
        {
            if (source.CaCertificates is not null)
            {
                roots = [];
                roots.ImportFromPem(ListenerTls.Pem(source.CaCertificates, "CA certificates"));
                if (roots.Count == 0)
                {
                    throw new InvalidOperationException("no certificate in caCertificates");
                }
            }

            if (source.ClientCertificate is not null)
            {
                using var loaded = X509Certificate2.CreateFromPem(ListenerTls.Pem(source.ClientCertificate, "client certificate"), ListenerTls.Pem(source.PrivateKey, "private key"));
                clientCertificate = X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"{source.Origin}: tls: {ex.Message}", ex);
        }
    }

    /// <summary>Identifies the settings, so clusters with the same TLS share one connection pool.</summary>
    public string Key { get; }

    /// <summary>Handshakes over <paramref name="transport"/>, offering h2 or http/1.1 by ALPN (nothing for TCP); throws <see cref="AuthenticationException"/> when the server does not verify.</summary>
    public async Task<SslStream> AuthenticateAsync(Stream transport, SslApplicationProtocol? protocol, CancellationToken cancel)
    {
        var tls = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            if (source.IstioMutual)
            {
                var mine = workload?.Current ?? throw new AuthenticationException("no workload certificate from the mesh CA yet");
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = source.Sni,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ApplicationProtocols = protocol is null ? null : protocol == SslApplicationProtocol.Http2 ? MeshHttp2 : MeshHttp11,
                    ClientCertificateContext = mine.Context,
                    RemoteCertificateValidationCallback = (_, presented, chain, _) => presented is not null && CertificateChains.ChainsTo(presented, chain, mine.Roots) && MeshPeer(presented),
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                }, cancel).ConfigureAwait(false);
                return tls;
            }

            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = source.Sni,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ApplicationProtocols = protocol is null ? null : protocol == SslApplicationProtocol.Http2 ? Http2 : Http11,
                RemoteCertificateValidationCallback = Verify,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, cancel).ConfigureAwait(false);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The server's SPIFFE identity is one the cluster's endpoints run as (by /ns/NS/sa/SA, or a full SAN given).</summary>
    private bool MeshPeer(X509Certificate presented)
    {
        var names = SubjectAltNames.Read(presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData()));
        return source.SubjectAltNames.Count == 0
            ? names.Any(n => n.StartsWith("spiffe://", StringComparison.Ordinal))
            : names.Any(n => source.SubjectAltNames.Any(s => n == s || (s.StartsWith('/') && n.StartsWith("spiffe://", StringComparison.Ordinal) && n.EndsWith(s, StringComparison.Ordinal))));
    }

    private bool Verify(object sender, X509Certificate? presented, X509Chain? chain, SslPolicyErrors errors)
    {
        if (source.InsecureSkipVerify)
        {
            return true;
        }

        if (presented is null)
        {
            return false;
        }

        var chained = roots is null ? (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0 : CertificateChains.ChainsTo(presented, chain, roots);
        if (!chained)
        {
            return false;
        }

        if (source.SubjectAltNames.Count > 0)
        {
            var names = SubjectAltNames.Read(presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData()));
            return names.Any(source.SubjectAltNames.Contains);
        }

        // Without subjectAltNames the certificate must name the server (SslStream checks it against the SNI).
        return source.Sni.Length == 0 || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
    }
}
