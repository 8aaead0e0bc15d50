using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Causeway.ControlPlane.Security;

/// <summary>
/// The mesh's certificate authority (Citadel's role in istiod): signs workload certificates whose only name is the
/// workload's SPIFFE identity, <c>spiffe://TRUST_DOMAIN/ns/NS/sa/SA</c> (a URI SAN), 24 h by default. The signing
/// certificate is a self-signed root made at start, or the operator's own CA in Istio's <c>cacerts</c> layout
/// (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem), checked when loaded: the key must match the
/// certificate, which must be a CA and chain to the root. A request is signed only for the identity the control
/// plane decided; whatever names the request asks for are ignored, and its signature proves the proxy holds the key.
/// </summary>
public sealed class MeshCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 signer;
    private readonly X509Certificate2[] intermediates;

    private MeshCertificateAuthority(X509Certificate2 signer, X509Certificate2[] intermediates, X509Certificate2 root, string trustDomain, TimeSpan lifetime)
    {
        this.signer = signer;
        this.intermediates = intermediates;
        Root = root;
        TrustDomain = trustDomain;
        Lifetime = lifetime;
        RootPem = root.ExportCertificatePem() + "\n";
    }

    public X509Certificate2 Root { get; }

    public string RootPem { get; }

    public string TrustDomain { get; }

    /// <summary>How long a workload certificate is valid (Istio's default workload certificate TTL is 24 h).</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>A fresh self-signed root (ECDSA P-256, 10 years), as istiod makes when no cacerts are given.</summary>
    public static MeshCertificateAuthority SelfSigned(string trustDomain = "cluster.local", TimeSpan? lifetime = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"O={trustDomain}, CN=Causeway mesh root", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var root = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        return new MeshCertificateAuthority(root, [], X509CertificateLoader.LoadCertificate(root.RawData), trustDomain, lifetime ?? TimeSpan.FromHours(24));
    }

    /// <summary>The operator's CA from a directory in Istio's cacerts layout; a clear <see cref="InvalidDataException"/> when anything does not fit.</summary>
    public static MeshCertificateAuthority FromCacerts(string directory, string trustDomain = "cluster.local", TimeSpan? lifetime = null)
    {
        string Read(string name)
        {
            var path = Path.Combine(directory, name);
            return File.Exists(path) ? File.ReadAllText(path) : throw new InvalidDataException($"{path}: missing (cacerts needs ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem)");
        }

        X509Certificate2 caCert;
        X509Certificate2 root;
        X509Certificate2Collection chain = [];
        try
        {
            caCert = X509Certificate2.CreateFromPem(Read("ca-cert.pem"));
            root = X509Certificate2.CreateFromPem(Read("root-cert.pem"));
            chain.ImportFromPem(Read("cert-chain.pem"));
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"{directory}: a certificate is not valid PEM ({ex.Message})", ex);
        }

        var keyPem = Read("ca-key.pem");
        X509Certificate2 signer;
        try
        {
            signer = caCert.GetKeyAlgorithm() == "1.2.840.10045.2.1" ? WithEcdsa(caCert, keyPem) : WithRsa(caCert, keyPem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new InvalidDataException($"{Path.Combine(directory, "ca-key.pem")}: not the private key of ca-cert.pem ({ex.Message})", ex);
        }

        if (caCert.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
        {
            throw new InvalidDataException($"{Path.Combine(directory, "ca-cert.pem")}: not a CA certificate (basicConstraints CA:TRUE missing)");
        }

        using var verify = new X509Chain();
        verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        verify.ChainPolicy.CustomTrustStore.Add(root);
        verify.ChainPolicy.ExtraStore.AddRange(chain);
        verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!verify.Build(caCert))
        {
            throw new InvalidDataException($"{directory}: ca-cert.pem does not chain to root-cert.pem ({string.Join("; ", verify.ChainStatus.Select(s => s.StatusInformation.Trim()))})");
        }

        // cert-chain.pem holds ca-cert itself first (Istio's layout); what is sent after a workload certificate is
        // the chain without it and without the root
        var intermediates = chain.Where(c => c.Thumbprint != caCert.Thumbprint && c.Thumbprint != root.Thumbprint).ToArray();
        return new MeshCertificateAuthority(signer, [caCert, .. intermediates], root, trustDomain, lifetime ?? TimeSpan.FromHours(24));
    }

    private static X509Certificate2 WithEcdsa(X509Certificate2 cert, string keyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(keyPem);
        return cert.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 WithRsa(X509Certificate2 cert, string keyPem)
    {
        using var key = RSA.Create();
        key.ImportFromPem(keyPem);
        return cert.CopyWithPrivateKey(key);
    }

    public string SpiffeId(string ns, string serviceAccount) => $"spiffe://{TrustDomain}/ns/{ns}/sa/{serviceAccount}";

    /// <summary>
    /// Signs a PKCS#10 request for <paramref name="spiffeId"/>: the request's own signature must verify (proof that
    /// the sender holds the key), its key must be ECDSA P-256/P-384 or RSA of at least 2048 bits.
    /// </summary>
    public (string ChainPem, DateTimeOffset NotAfter) Sign(ReadOnlySpan<byte> csrDer, string spiffeId)
    {
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequest(csrDer.ToArray(), HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"the certificate signing request is not valid: {ex.Message}", ex);
        }

        CheckKey(request.PublicKey);
        var issued = new CertificateRequest(new X500DistinguishedName(""), request.PublicKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(spiffeId));
        issued.CertificateExtensions.Add(san.Build(critical: true)); // no subject: the SAN is the name, and critical
        issued.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        issued.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        issued.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (signer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault() is { } ski)
        {
            issued.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
        }
        var now = DateTimeOffset.UtcNow;
        var notAfter = now + Lifetime;
        if (notAfter > signer.NotAfter)
        {
            notAfter = signer.NotAfter; // never outlive the signer
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var certificate = issued.Create(signer, now.AddMinutes(-1), notAfter, serial);
        var pem = certificate.ExportCertificatePem() + "\n" + string.Concat(intermediates.Select(c => c.ExportCertificatePem() + "\n"));
        return (pem, notAfter);
    }

    /// <summary>
    /// The CA in Istio's cacerts layout (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem), so every replica
    /// of the control plane can load the same one (<see cref="FromCacerts"/>): causeway install puts it in a Secret.
    /// </summary>
    public IReadOnlyDictionary<string, string> ExportCacerts()
    {
        var key = signer.GetECDsaPrivateKey() is { } ec ? ec.ExportPkcs8PrivateKeyPem()
            : signer.GetRSAPrivateKey() is { } rsa ? rsa.ExportPkcs8PrivateKeyPem()
            : throw new InvalidOperationException("the CA's key cannot be exported");
        var caCert = signer.ExportCertificatePem() + "\n";
        return new Dictionary<string, string>
        {
            ["ca-cert.pem"] = caCert,
            ["ca-key.pem"] = key + "\n",
            ["root-cert.pem"] = RootPem,
            ["cert-chain.pem"] = caCert + string.Concat(intermediates.Where(c => c.Thumbprint != signer.Thumbprint).Select(c => c.ExportCertificatePem() + "\n")),
        };
    }

    /// <summary>
    /// A serving certificate with its key for the control plane's own TLS endpoints (istiod's DNS certificate for
    /// istiod.istio-system.svc): the admission webhooks, which the API server calls trusting this CA's root.
    /// </summary>
    public X509Certificate2 IssueServing(IEnumerable<string> dnsNames, IEnumerable<System.Net.IPAddress>? addresses = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var names = dnsNames.ToList();
        var request = new CertificateRequest($"CN={names.FirstOrDefault() ?? "causeway"}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        names.ForEach(san.AddDnsName);
        foreach (var address in addresses ?? [])
        {
            san.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        var notAfter = now.AddYears(1) > signer.NotAfter ? signer.NotAfter : now.AddYears(1);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var certificate = request.Create(signer, now.AddMinutes(-1), notAfter, serial);
        using var withKey = certificate.CopyWithPrivateKey(key);

        // Through PKCS#12 so the key is usable by the TLS stack on every platform (an ephemeral key is not on all).
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static void CheckKey(PublicKey key)
    {
        if (key.GetECDsaPublicKey() is { } ec)
        {
            using (ec)
            {
                if (ec.KeySize is not (256 or 384))
                {
                    throw new InvalidDataException($"the request's ECDSA key has {ec.KeySize} bits; P-256 or P-384 is required");
                }
            }

            return;
        }

        if (key.GetRSAPublicKey() is { } rsa)
        {
            using (rsa)
            {
                if (rsa.KeySize < 2048)
                {
                    throw new InvalidDataException($"the request's RSA key has {rsa.KeySize} bits; at least 2048 are required");
                }
            }

            return;
        }

        throw new InvalidDataException("the request's key is neither ECDSA nor RSA");
    }

    public void Dispose()
    {
        signer.Dispose();
        Root.Dispose();
        foreach (var c in intermediates)
        {
            c.Dispose();
        }
    }
}
