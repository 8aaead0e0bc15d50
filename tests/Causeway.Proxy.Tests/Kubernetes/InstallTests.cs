using System.Text;
using Causeway.ControlPlane.Security;
using Causeway.Kubernetes;

namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>
/// causeway install's objects applied through the API (as --apply does) to the fake API server: created, then
/// configured on a second run; the CA Secret loads back as the same CA in Istio's cacerts layout, and both webhooks
/// trust its root.
/// </summary>
public sealed class InstallTests : IAsyncLifetime
{
    private FakeApiServer api = null!;
    private string kubeconfig = "";

    public async Task InitializeAsync()
    {
        api = await FakeApiServer.StartAsync();
        kubeconfig = Path.GetTempFileName();
        await File.WriteAllTextAsync(kubeconfig, ApiObjects.Kubeconfig(api.Address));
    }

    public async Task DisposeAsync()
    {
        await api.DisposeAsync();
        File.Delete(kubeconfig);
    }

    [Fact]
    public async Task Install_applies_through_the_api_and_its_ca_secret_is_the_ca_the_webhooks_trust()
    {
        using var ca = MeshCertificateAuthority.SelfSigned();
        var objects = InstallManifests.Render(new InstallOptions { Image = "registry.example/causeway:1.0", Cacerts = ca.ExportCacerts() });
        using var connection = KubernetesConnection.Create(kubeconfig);
        var applier = new ApiApplier(connection);
        foreach (var o in objects)
        {
            Assert.Equal("created", await applier.ApplyAsync(o, CancellationToken.None));
        }

        Assert.Equal("configured", await applier.ApplyAsync(objects.First(o => o["kind"]!.GetValue<string>() == "Deployment"), CancellationToken.None));

        var deployment = api.Get("apps", "deployments", "causeway-system", "causeway")!;
        Assert.Equal(2, deployment["spec"]!["replicas"]!.GetValue<int>());
        Assert.Contains("--kubernetes", deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.NotNull(api.Get("apiextensions.k8s.io", "customresourcedefinitions", null, "virtualservices.networking.istio.io"));

        // The Secret holds a CA the control plane loads (--ca-dir /etc/cacerts), the same root the webhooks trust
        var secret = api.Get("", "secrets", "causeway-system", "cacerts")!;
        var dir = Directory.CreateTempSubdirectory("causeway-cacerts-");
        try
        {
            foreach (var (file, value) in secret["data"]!.AsObject())
            {
                await File.WriteAllBytesAsync(Path.Combine(dir.FullName, file), Convert.FromBase64String(value!.GetValue<string>()));
            }

            using var loaded = MeshCertificateAuthority.FromCacerts(dir.FullName);
            Assert.Equal(ca.Root.Thumbprint, loaded.Root.Thumbprint);
        }
        finally
        {
            dir.Delete(true);
        }

        foreach (var (plural, name) in new[] { ("mutatingwebhookconfigurations", "causeway-sidecar-injector"), ("validatingwebhookconfigurations", "causeway-validator") })
        {
            var webhook = api.Get("admissionregistration.k8s.io", plural, null, name)!["webhooks"]![0]!;
            Assert.Equal(ca.RootPem, Encoding.UTF8.GetString(Convert.FromBase64String(webhook["clientConfig"]!["caBundle"]!.GetValue<string>())));
            Assert.Equal("causeway", webhook["clientConfig"]!["service"]!["name"]!.GetValue<string>());
        }
    }
}
