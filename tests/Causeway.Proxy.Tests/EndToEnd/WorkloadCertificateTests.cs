using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Causeway.ControlPlane.Security;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Workload certificates over the push stream, as Istio's agent gets them from istiod: the proxy makes its key and
/// sends a signing request; the control plane issues a certificate for the identity it knows (the WorkloadEntry's
/// service account), only to a proxy that authenticated as that workload; the proxy renews at half the lifetime with
/// a new key; the admin /certs shows what it holds.
/// </summary>
public sealed class WorkloadCertificateTests : IDisposable
{
    private const string Reviews = """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews-v1, namespace: bookinfo}
        spec: {address: 127.0.81.3, serviceAccount: bookinfo-reviews, labels: {app: reviews, version: v1}}
        """;

    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false });

    public void Dispose() => http.Dispose();

    [Fact]
    public async Task An_authenticated_sidecar_gets_a_spiffe_certificate_for_its_service_account_with_its_own_key()
    {
        await using var mesh = await StartMesh(TimeSpan.FromHours(24));
        var cp = mesh.ControlPlane;
        var sidecar = await mesh.SidecarAsync("reviews-v1", "bookinfo");
        await Eventually.Until(() => sidecar.Host.Certificates.Current is not null, mesh.Log);

        var issued = sidecar.Host.Certificates.Current!;
        Assert.Equal("spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews", issued.Identity);
        Assert.True(issued.Certificate.HasPrivateKey);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(cp.CertificateAuthority.Root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(issued.Certificate));

        var certs = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{sidecar.Host.AdminPort}/certs")).RootElement;
        var leaf = certs.GetProperty("certificates")[0].GetProperty("cert_chain")[0];
        Assert.Equal("spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews", leaf.GetProperty("subject_alt_names")[0].GetProperty("uri").GetString());
        Assert.Equal(0, leaf.GetProperty("days_until_expiration").GetInt32()); // 24 h: less than a whole day left
        Assert.Equal(cp.CertificateAuthority.Root.SerialNumber.ToLowerInvariant(), certs.GetProperty("certificates")[0].GetProperty("ca_cert")[0].GetProperty("serial_number").GetString());
    }

    [Fact]
    public async Task Without_a_token_no_certificate_is_issued_and_the_reason_is_shown()
    {
        await using var mesh = await StartMesh(TimeSpan.FromHours(24));
        var sidecar = await mesh.SidecarAsync("reviews-v1", "bookinfo", token: null);
        await Eventually.Until(() => sidecar.Host.Certificates.LastRefusal.Length > 0, mesh.Log);
        Assert.Null(sidecar.Host.Certificates.Current);
        var certs = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{sidecar.Host.AdminPort}/certs")).RootElement;
        Assert.Equal(0, certs.GetProperty("certificates").GetArrayLength());
        Assert.Contains("no token", certs.GetProperty("refused").GetString(), StringComparison.Ordinal);
        Assert.NotNull(sidecar.Host.State.Current); // its config still arrives
    }

    [Fact]
    public async Task The_certificate_is_renewed_at_half_its_lifetime_with_a_new_key()
    {
        await using var mesh = await StartMesh(TimeSpan.FromSeconds(4));
        var sidecar = await mesh.SidecarAsync("reviews-v1", "bookinfo");
        await Eventually.Until(() => sidecar.Host.Certificates.Current is not null, mesh.Log);
        var first = sidecar.Host.Certificates.Current!;
        Assert.InRange((first.NotAfter - first.NotBefore).TotalSeconds, 4, 65); // issued a minute back for clock skew

        // renewal is due halfway from arrival to expiry: about 2 s later
        Assert.InRange((sidecar.Host.Certificates.RenewAt - first.ReceivedAt).TotalSeconds, 1, 3);
        await Eventually.Until(() => sidecar.Host.Certificates.Current!.Certificate.SerialNumber != first.Certificate.SerialNumber, mesh.Log);
        var second = sidecar.Host.Certificates.Current!;
        Assert.NotEqual(first.Certificate.PublicKey.ExportSubjectPublicKeyInfo(), second.Certificate.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(first.Identity, second.Identity);
        Assert.True(second.NotAfter > first.NotAfter);
    }

    private static Task<PushedMesh> StartMesh(TimeSpan lifetime) =>
        PushedMesh.StartAsync(new Dictionary<string, string> { ["mesh.yaml"] = Reviews }, MeshCertificateAuthority.SelfSigned(lifetime: lifetime));
}
