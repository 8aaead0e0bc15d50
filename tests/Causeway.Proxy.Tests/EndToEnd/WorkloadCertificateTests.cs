using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Causeway.ControlPlane;
using Causeway.ControlPlane.Security;
using Causeway.Protocol;
using Causeway.Protocol.V1;
using Causeway.Proxy.Config;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Workload certificates over the push stream, as Istio's agent gets them from istiod: the proxy makes its key and
/// sends a signing request; the control plane issues a certificate for the identity it knows (the WorkloadEntry's
/// service account), only to a proxy that authenticated as that workload; the proxy renews at half the lifetime with
/// a new key; the admin /certs shows what it holds.
/// </summary>
public sealed class WorkloadCertificateTests : IAsyncLifetime
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("causeway-certs-");
    private readonly List<string> log = [];
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false });

    public Task InitializeAsync() => File.WriteAllTextAsync(Path.Combine(dir.FullName, "mesh.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews-v1, namespace: bookinfo}
        spec: {address: 127.0.81.3, serviceAccount: bookinfo-reviews, labels: {app: reviews, version: v1}}
        """);

    public Task DisposeAsync()
    {
        http.Dispose();
        dir.Delete(true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_authenticated_sidecar_gets_a_spiffe_certificate_for_its_service_account_with_its_own_key()
    {
        await using var cp = await StartControlPlane(TimeSpan.FromHours(24));
        var token = cp.Tokens.Mint(new PushCredential(ProxyRole.Sidecar, "bookinfo", "reviews-v1"), TimeSpan.FromHours(1));
        await using var sidecar = await StartSidecar(cp, token);
        await Eventually.Until(() => sidecar.Host.Certificates.Current is not null, Log);

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
        await using var cp = await StartControlPlane(TimeSpan.FromHours(24));
        await using var sidecar = await StartSidecar(cp, token: null);
        await Eventually.Until(() => sidecar.Host.Certificates.LastRefusal.Length > 0, Log);
        Assert.Null(sidecar.Host.Certificates.Current);
        var certs = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{sidecar.Host.AdminPort}/certs")).RootElement;
        Assert.Equal(0, certs.GetProperty("certificates").GetArrayLength());
        Assert.Contains("no token", certs.GetProperty("refused").GetString(), StringComparison.Ordinal);
        Assert.NotNull(sidecar.Host.State.Current); // its config still arrives
    }

    [Fact]
    public async Task The_certificate_is_renewed_at_half_its_lifetime_with_a_new_key()
    {
        await using var cp = await StartControlPlane(TimeSpan.FromSeconds(4));
        var token = cp.Tokens.Mint(new PushCredential(ProxyRole.Sidecar, "bookinfo", "reviews-v1"), TimeSpan.FromHours(1));
        await using var sidecar = await StartSidecar(cp, token);
        await Eventually.Until(() => sidecar.Host.Certificates.Current is not null, Log);
        var first = sidecar.Host.Certificates.Current!;
        Assert.InRange((first.NotAfter - first.NotBefore).TotalSeconds, 4, 65); // issued a minute back for clock skew

        // renewal is due halfway from arrival to expiry: about 2 s later
        Assert.InRange((sidecar.Host.Certificates.RenewAt - first.ReceivedAt).TotalSeconds, 1, 3);
        await Eventually.Until(() => sidecar.Host.Certificates.Current!.Certificate.SerialNumber != first.Certificate.SerialNumber, Log);
        var second = sidecar.Host.Certificates.Current!;
        Assert.NotEqual(first.Certificate.PublicKey.ExportSubjectPublicKeyInfo(), second.Certificate.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(first.Identity, second.Identity);
        Assert.True(second.NotAfter > first.NotAfter);
    }

    private string Log()
    {
        lock (log)
        {
            return "log:\n" + string.Join("\n", log);
        }
    }

    private Task<ControlPlaneHost> StartControlPlane(TimeSpan lifetime) => ControlPlaneHost.StartAsync(new ControlPlaneOptions
    {
        ConfigDirectory = dir.FullName,
        PushAddress = new IPEndPoint(IPAddress.Loopback, 0),
        StatusAddress = new IPEndPoint(IPAddress.Loopback, 0),
        CertificateAuthority = MeshCertificateAuthority.SelfSigned(lifetime: lifetime),
    });

    private async Task<Sidecar> StartSidecar(ControlPlaneHost cp, string? token)
    {
        var host = await ProxyHost.StartAsync(new ProxyOptions { AdminPort = 0, OutboundAddress = IPAddress.None });
        void Record(string s)
        {
            lock (log)
            {
                log.Add(s);
            }
        }

        host.Status += Record;
        var client = new ControlPlaneClient(new Uri($"http://127.0.0.1:{cp.PushPort}"), WorkloadIdentity.Sidecar("reviews-v1.bookinfo"), host, Record, () => token);
        return new Sidecar(host, client);
    }

    private sealed class Sidecar(ProxyHost host, ControlPlaneClient client) : IAsyncDisposable
    {
        public ProxyHost Host { get; } = host;

        public async ValueTask DisposeAsync()
        {
            await client.DisposeAsync();
            await Host.DisposeAsync();
        }
    }
}
