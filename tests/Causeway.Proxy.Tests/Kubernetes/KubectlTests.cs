using System.Diagnostics;
using Causeway.Kubernetes;
using Causeway.Proxy.Tests.Support;
using Causeway.Translation.Mesh;

namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>
/// The real kubectl against the fake API server: it applies Causeway's CRDs (deploy/crds.yaml, as generated), then
/// Istio's Bookinfo sample and its networking YAML unchanged (v1 and v1alpha3 alike), reads them back by short
/// name, and re-applies a changed one; the control plane, started before any CRD existed, picks up every kind as
/// its CRD appears and loads the samples without a rejection. Skipped where kubectl is not installed (Debian 12
/// has no kubectl package; .ci/run says so when it is missing).
/// </summary>
public sealed class KubectlTests : IAsyncLifetime
{
    private static readonly string Kubectl = new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists) ?? "";
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("causeway-kubectl-");
    private FakeApiServer api = null!;

    public async Task InitializeAsync()
    {
        api = await FakeApiServer.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "kubeconfig"), ApiObjects.Kubeconfig(api.Address));
    }

    public async Task DisposeAsync()
    {
        await api.DisposeAsync();
        work.Delete(true);
    }

    [Fact]
    public void The_committed_crds_are_what_causeway_install_generates()
    {
        var committed = File.ReadAllText(Path.Combine(RepoRoot(), "deploy", "crds.yaml"));
        Assert.Equal(YamlWriter.Write(IstioCrds.Definitions()), committed);
    }

    [SkippableFact]
    public async Task Kubectl_applies_the_crds_and_istios_bookinfo_samples_and_the_control_plane_loads_them()
    {
        Skip.If(Kubectl.Length == 0, "kubectl is not installed");
        using var connection = KubernetesConnection.Create(Path.Combine(work.FullName, "kubeconfig"));
        await using var source = await KubernetesConfigSource.StartAsync(connection, MeshSettings.Default, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200),
            _ => { }, new WatchTiming { MissingKindRetry = TimeSpan.FromMilliseconds(200) });

        var crds = await KubectlAsync("apply", "-f", Path.Combine(RepoRoot(), "deploy", "crds.yaml"));
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/virtualservices.networking.istio.io created", crds, StringComparison.Ordinal);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/authorizationpolicies.security.istio.io created", crds, StringComparison.Ordinal);

        var samples = Path.Combine(RepoRoot(), "..", "shared", "istio-corpus", "istio", "samples", "bookinfo");
        var bookinfo = await KubectlAsync("apply", "-f", Path.Combine(samples, "platform", "kube", "bookinfo.yaml"));
        Assert.Contains("service/productpage created", bookinfo, StringComparison.Ordinal);
        Assert.Contains("deployment.apps/reviews-v3 created", bookinfo, StringComparison.Ordinal);
        var networking = await KubectlAsync("apply", "-f", Path.Combine(samples, "networking", "bookinfo-gateway.yaml"),
            "-f", Path.Combine(samples, "networking", "destination-rule-all.yaml"), "-f", Path.Combine(samples, "networking", "virtual-service-all-v1.yaml"));
        Assert.Contains("gateway.networking.istio.io/bookinfo-gateway created", networking, StringComparison.Ordinal);
        Assert.Contains("destinationrule.networking.istio.io/reviews created", networking, StringComparison.Ordinal);
        Assert.Contains("virtualservice.networking.istio.io/reviews created", networking, StringComparison.Ordinal);
        Assert.Contains("bookinfo", await KubectlAsync("get", "vs"), StringComparison.Ordinal);
        Assert.Contains("unchanged", await KubectlAsync("apply", "-f", Path.Combine(samples, "networking", "destination-rule-all.yaml")), StringComparison.Ordinal);

        // The same VirtualService, changed: kubectl patches it, the control plane sees the new routes
        var changed = await KubectlAsync("apply", "-f", Path.Combine(samples, "networking", "virtual-service-reviews-test-v2.yaml"));
        Assert.Contains("virtualservice.networking.istio.io/reviews configured", changed, StringComparison.Ordinal);
        await Eventually.Until(() =>
            source.Current.Mesh.VirtualServices.Any(v => v.Resource.Metadata.Name == "reviews" && v.Resource.Spec.Http?.Count == 2)
            && source.Current.Mesh.DestinationRules.Count == 4 && source.Current.Mesh.Gateways.Count == 1,
            () => $"{source.Current.Mesh.VirtualServices.Count} VirtualServices, {source.Current.Mesh.DestinationRules.Count} DestinationRules; rejected: {string.Join("; ", source.Current.Rejected)}");
        Assert.Empty(source.Current.Rejected);
        Assert.Contains(source.Current.Mesh.Registry.Services, s => s.Hostname == "reviews.default.svc.cluster.local");
    }

    [SkippableFact]
    public async Task Kubectl_applies_everything_causeway_install_prints()
    {
        Skip.If(Kubectl.Length == 0, "kubectl is not installed");
        using var ca = Causeway.ControlPlane.Security.MeshCertificateAuthority.SelfSigned();
        var manifests = Path.Combine(work.FullName, "causeway.yaml");
        await File.WriteAllTextAsync(manifests, YamlWriter.Write(InstallManifests.Render(new InstallOptions { Cacerts = ca.ExportCacerts() })));
        var applied = await KubectlAsync("apply", "-f", manifests);
        foreach (var expected in new[]
        {
            "namespace/causeway-system created", "serviceaccount/causeway created", "clusterrole.rbac.authorization.k8s.io/causeway-control-plane created",
            "secret/cacerts created", "deployment.apps/causeway created", "service/causeway created",
            "mutatingwebhookconfiguration.admissionregistration.k8s.io/causeway-sidecar-injector created",
            "validatingwebhookconfiguration.admissionregistration.k8s.io/causeway-validator created", "deployment.apps/causeway-ingressgateway created",
        })
        {
            Assert.Contains(expected, applied, StringComparison.Ordinal);
        }
    }

    private async Task<string> KubectlAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--kubeconfig", Path.Combine(work.FullName, "kubeconfig"), "--cache-dir", Path.Combine(work.FullName, "cache") }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        if (args[0] == "apply")
        {
            psi.ArgumentList.Add("--validate=false"); // the fake serves no OpenAPI document to validate against
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Causeway.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("the repository root (Causeway.slnx) is not above the test binaries");
    }
}
