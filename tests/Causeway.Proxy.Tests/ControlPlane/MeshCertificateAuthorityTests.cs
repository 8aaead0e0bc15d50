using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Causeway.ControlPlane.Security;

namespace Causeway.Proxy.Tests.ControlPlane;

/// <summary>
/// The mesh CA: workload certificates name only the SPIFFE identity the control plane chose, for 24 h by default,
/// chained to the root; an operator's CA in Istio's cacerts layout loads when it fits and is refused with the reason
/// when it does not (missing file, key of another certificate, not a CA, another root, not PEM).
/// </summary>
public sealed class MeshCertificateAuthorityTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("causeway-cacerts-");

    public void Dispose() => dir.Delete(true);

    private static byte[] Csr(out ECDsa key, string subject = "CN=ignored", string? sanDns = "evil.example.com")
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (sanDns is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(sanDns);
            request.CertificateExtensions.Add(san.Build());
        }

        return request.CreateSigningRequest();
    }

    private static X509Certificate2 Leaf(string chainPem)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(chainPem);
        return chain[0];
    }

    [Fact]
    public void A_workload_certificate_names_only_the_spiffe_identity_for_24_hours_and_chains_to_the_root()
    {
        using var ca = MeshCertificateAuthority.SelfSigned();
        var identity = ca.SpiffeId("bookinfo", "bookinfo-reviews");
        Assert.Equal("spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews", identity);
        var (pem, notAfter) = ca.Sign(Csr(out var key), identity);
        using (key)
        {
            using var leaf = Leaf(pem);
            var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.True(san.Critical);
            Assert.Empty(san.EnumerateDnsNames()); // the requested DNS name is ignored
            Assert.Equal("", leaf.Subject); // nor is the requested subject used
            Assert.Contains(identity, san.Format(false), StringComparison.Ordinal);
            Assert.InRange((leaf.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalHours, 23.9, 24.1);
            Assert.Equal(notAfter.UtcDateTime, leaf.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));
            Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
            Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo()); // the proxy's own key

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca.Root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        }
    }

    [Fact]
    public void Requests_that_prove_nothing_or_carry_weak_keys_are_refused()
    {
        using var ca = MeshCertificateAuthority.SelfSigned();
        var csr = Csr(out var key);
        key.Dispose();
        csr[^5] ^= 0xff; // a broken signature: the sender does not hold the key it names
        Assert.Contains("not valid", Assert.Throws<InvalidDataException>(() => ca.Sign(csr, ca.SpiffeId("a", "b"))).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ca.Sign("garbage"u8, ca.SpiffeId("a", "b")));
        using var weak = RSA.Create(1024);
        var weakCsr = new CertificateRequest("CN=x", weak, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();
        Assert.Contains("at least 2048", Assert.Throws<InvalidDataException>(() => ca.Sign(weakCsr, ca.SpiffeId("a", "b"))).Message, StringComparison.Ordinal);
    }

    /// <summary>Writes a root and an intermediate CA as Istio's cacerts (plugin CA) layout.</summary>
    private void WriteCacerts(bool mismatchedKey = false, bool notCa = false, bool otherRoot = false)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Plugin root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Plugin intermediate", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(!notCa, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        using var caCert = caRequest.Create(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2), [1, 2, 3, 4]);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var another = new CertificateRequest("CN=Another root", otherKey, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        File.WriteAllText(Path.Combine(dir.FullName, "ca-cert.pem"), caCert.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir.FullName, "ca-key.pem"), (mismatchedKey ? otherKey : caKey).ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(dir.FullName, "root-cert.pem"), (otherRoot ? another : root).ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir.FullName, "cert-chain.pem"), caCert.ExportCertificatePem() + "\n" + root.ExportCertificatePem());
    }

    [Fact]
    public void An_operators_cacerts_sign_workload_certificates_under_its_intermediate()
    {
        WriteCacerts();
        using var ca = MeshCertificateAuthority.FromCacerts(dir.FullName, "example.org");
        var (pem, _) = ca.Sign(Csr(out var key), ca.SpiffeId("ns1", "sa1"));
        key.Dispose();
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(pem);
        Assert.Equal(2, chain.Count); // the workload certificate, then the intermediate; the root travels apart
        Assert.Equal("CN=Plugin intermediate", chain[1].Subject);
        Assert.Equal("CN=Plugin root", ca.Root.Subject);
        Assert.Contains("spiffe://example.org/ns/ns1/sa/sa1", chain[0].Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().Format(false), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mismatched", "not the private key of ca-cert.pem")]
    [InlineData("not-ca", "not a CA certificate")]
    [InlineData("other-root", "does not chain to root-cert.pem")]
    [InlineData("missing", "missing")]
    [InlineData("garbage", "not valid PEM")]
    public void A_cacerts_directory_that_does_not_fit_is_refused_with_the_reason(string fault, string reason)
    {
        WriteCacerts(mismatchedKey: fault == "mismatched", notCa: fault == "not-ca", otherRoot: fault == "other-root");
        if (fault == "missing")
        {
            File.Delete(Path.Combine(dir.FullName, "ca-key.pem"));
        }
        else if (fault == "garbage")
        {
            File.WriteAllText(Path.Combine(dir.FullName, "ca-cert.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        }

        var error = Assert.Throws<InvalidDataException>(() => MeshCertificateAuthority.FromCacerts(dir.FullName));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
