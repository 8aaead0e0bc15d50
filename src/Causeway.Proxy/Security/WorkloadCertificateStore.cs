using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Security;

/// <summary>
/// The proxy's workload identity: a private key made here (ECDSA P-256; it never leaves the process), the
/// certificate the mesh CA issued for it, and the mesh's root. A new key and request are made for each renewal, at
/// half the certificate's lifetime (as Istio's agent rotates), so a certificate is replaced long before it expires
/// and connections made with the old one keep their own copy.
/// </summary>
public sealed class WorkloadCertificateStore
{
    private readonly Lock gate = new();
    private ECDsa? pendingKey;
    private Issued? current;

    /// <summary>The current certificate with its key, chain and root; null until the first is issued.</summary>
    public Issued? Current
    {
        get
        {
            lock (gate)
            {
                return current;
            }
        }
    }

    /// <summary>Why the control plane refused the last request; empty after a success.</summary>
    public string LastRefusal { get; private set; } = "";

    /// <summary>Raised after a new certificate is in place.</summary>
    public event Action<Issued>? Changed;

    /// <summary>
    /// When to ask for the next certificate: now without one, else halfway from its arrival to its expiry (its
    /// NotBefore is back-dated for clock skew, so it would put short lifetimes' midpoint in the past).
    /// </summary>
    public DateTimeOffset RenewAt
    {
        get
        {
            var c = Current;
            return c is null ? DateTimeOffset.MinValue : c.ReceivedAt + ((c.NotAfter - c.ReceivedAt) / 2);
        }
    }

    /// <summary>A fresh key and a PKCS#10 request for it (DER). The control plane decides the name; the request asks for none.</summary>
    public byte[] CreateRequest()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var der = request.CreateSigningRequest();
        lock (gate)
        {
            pendingKey?.Dispose();
            pendingKey = key;
        }

        return der;
    }

    /// <summary>Takes the control plane's answer; null when the certificate is now in use, else why not.</summary>
    public string? Accept(WorkloadCertificate answer)
    {
        if (answer.Refused.Length > 0)
        {
            LastRefusal = answer.Refused;
            return "certificate refused: " + answer.Refused;
        }

        Issued issued;
        try
        {
            var chain = new X509Certificate2Collection();
            chain.ImportFromPem(answer.ChainPem);
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(answer.RootPem);
            if (chain.Count == 0 || roots.Count == 0)
            {
                return "certificate answer without a certificate or a root";
            }

            lock (gate)
            {
                if (pendingKey is null)
                {
                    return "a certificate arrived that no request of ours asked for";
                }

                var leaf = chain[0].CopyWithPrivateKey(pendingKey);
                issued = new Issued(leaf, [.. chain.Skip(1)], roots, answer.Identity, DateTimeOffset.UtcNow);
                pendingKey.Dispose();
                pendingKey = null;
                current = issued;
            }
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return "the issued certificate is unusable: " + ex.Message;
        }

        LastRefusal = "";
        Changed?.Invoke(issued);
        return null;
    }

    /// <summary>One issued certificate: the leaf with its key, the intermediates, the mesh roots and the SPIFFE identity.</summary>
    public sealed record Issued(X509Certificate2 Certificate, X509Certificate2[] Intermediates, X509Certificate2Collection Roots, string Identity, DateTimeOffset ReceivedAt)
    {
        /// <summary>The certificate with its intermediates, ready for handshakes on either side (built once).</summary>
        public System.Net.Security.SslStreamCertificateContext Context { get; } = System.Net.Security.SslStreamCertificateContext.Create(Certificate, [.. Intermediates], offline: true);

        public DateTimeOffset NotBefore => Certificate.NotBefore.ToUniversalTime();

        public DateTimeOffset NotAfter => Certificate.NotAfter.ToUniversalTime();
    }
}
