using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Causeway.Proxy.Tests.Support;

/// <summary>A throwaway CA and the certificates it signs, as PEM, for TLS tests (nothing touches the system store).</summary>
internal sealed class TestCertificates
{
    private readonly X509Certificate2 ca;

    private TestCertificates(X509Certificate2 ca) => this.ca = ca;

    public string CaPem => ca.ExportCertificatePem();

    public X509Certificate2 Ca => ca;

    public static TestCertificates NewCa(string name = "Causeway Test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return new TestCertificates(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));
    }

    /// <summary>A leaf for these DNS names and URIs (server and client auth), with its key; both as PEM.</summary>
    public (string CertificatePem, string KeyPem, X509Certificate2 Certificate) Issue(string commonName, string[] dnsNames, string[]? uris = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames)
        {
            san.AddDnsName(dns);
        }

        foreach (var uri in uris ?? [])
        {
            san.AddUri(new Uri(uri));
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        var withKey = signed.CopyWithPrivateKey(key);
        return (withKey.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), withKey);
    }

    /// <summary>Whether a certificate chains to <paramref name="root"/> alone (not the system's store).</summary>
    public static bool ChainsTo(X509Certificate certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    /// <summary>A TLS client's check: the server's certificate names the host asked for and chains to <paramref name="root"/>.</summary>
    public static System.Net.Security.RemoteCertificateValidationCallback TrustedBy(X509Certificate2 root) => (_, certificate, _, errors) =>
        certificate is not null && (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && ChainsTo(certificate, root);

    /// <summary>A Kubernetes TLS Secret holding a certificate (and optionally the CA), as a gateway's credentialName reads it.</summary>
    public static string Secret(string name, string ns, string certificatePem, string keyPem, string? caPem = null) => $"""
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: {name}
          namespace: {ns}
        type: kubernetes.io/tls
        data:
          tls.crt: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(certificatePem))}
          tls.key: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(keyPem))}
        {(caPem is null ? "" : "  ca.crt: " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(caPem)))}

        """;
}
