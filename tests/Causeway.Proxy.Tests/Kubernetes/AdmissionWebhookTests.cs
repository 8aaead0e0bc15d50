using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Causeway.ControlPlane.Security;
using Causeway.Kubernetes;
using Causeway.Proxy.Tests.Support;
using Causeway.Translation.Mesh;

namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>
/// The control plane's admission webhooks called by the fake API server as a real one calls them (AdmissionReview
/// over HTTPS, trusting the caBundle from the mesh CA): pods created in a namespace labelled istio-injection=enabled
/// get their sidecar, others do not (Istio's namespace selector and its own check), and an Istio resource that
/// `causeway validate` rejects is refused with the same message while a valid one is stored.
/// </summary>
public sealed class AdmissionWebhookTests : IAsyncLifetime
{
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false });
    private readonly MeshCertificateAuthority ca = MeshCertificateAuthority.SelfSigned();
    private FakeApiServer api = null!;
    private KubernetesConfigSource source = null!;
    private WebhookServer webhooks = null!;
    private KubernetesConnection connection = null!;
    private string kubeconfig = "";
    private readonly List<string> log = [];

    public async Task InitializeAsync()
    {
        api = await FakeApiServer.StartAsync();
        api.ServeIstioKinds();
        api.Put("""{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bookinfo", "labels": {"istio-injection": "enabled"}}}""");
        api.Put("""{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "legacy"}}""");
        kubeconfig = Path.GetTempFileName();
        await File.WriteAllTextAsync(kubeconfig, ApiObjects.Kubeconfig(api.Address));
        connection = KubernetesConnection.Create(kubeconfig);
        source = await KubernetesConfigSource.StartAsync(connection, MeshSettings.Default, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200), Record);
        webhooks = await WebhookServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), ca.IssueServing(["causeway.causeway-system.svc"], [IPAddress.Loopback]),
            new InjectionSettings { Image = "registry.example/causeway:test" }, ns => source.Objects.NamespaceLabels(ns), Record);

        // What causeway install registers, pointed at this process (a URL: the fake has no Service network)
        var bundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(ca.RootPem));
        api.Put($$$"""
            {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": {"name": "causeway-sidecar-injector"},
             "webhooks": [{"name": "sidecar-injector.istio.io", "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail",
               "clientConfig": {"url": "https://127.0.0.1:{{{webhooks.Port}}}/inject", "caBundle": "{{{bundle}}}"},
               "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
               "namespaceSelector": {"matchLabels": {"istio-injection": "enabled"}},
               "objectSelector": {"matchExpressions": [{"key": "sidecar.istio.io/inject", "operator": "NotIn", "values": ["false"]}]}
             }]}
            """);
        api.Put($$$"""
            {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "causeway-validator"},
             "webhooks": [{"name": "validation.istio.io", "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail",
               "clientConfig": {"url": "https://127.0.0.1:{{{webhooks.Port}}}/validate", "caBundle": "{{{bundle}}}"},
               "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["networking.istio.io", "security.istio.io", "telemetry.istio.io"], "apiVersions": ["*"], "resources": ["*"]}]}]}
            """);
        await Eventually.Until(() => source.Objects.NamespaceLabels("legacy") is not null);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await webhooks.DisposeAsync();
        await source.DisposeAsync();
        connection.Dispose();
        await api.DisposeAsync();
        ca.Dispose();
        File.Delete(kubeconfig);
    }

    [Fact]
    public async Task Pods_in_an_injection_enabled_namespace_get_their_sidecar_through_the_mutating_webhook()
    {
        var (code, stored) = await CreateAsync("/api/v1/namespaces/bookinfo/pods", Pod("productpage-v1-", "productpage"));
        Assert.Equal(HttpStatusCode.Created, code);
        var init = stored["spec"]!["initContainers"]!.AsArray();
        Assert.Equal(["istio-init", "istio-proxy"], init.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("registry.example/causeway:test", init[1]!["image"]!.GetValue<string>());
        Assert.Equal("Always", init[1]!["restartPolicy"]!.GetValue<string>()); // a native sidecar
        Assert.Contains("--capture", init[1]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("istio", stored["metadata"]!["labels"]!["security.istio.io/tlsMode"]!.GetValue<string>());
        Assert.StartsWith("productpage-v1-", stored["metadata"]!["name"]!.GetValue<string>(), StringComparison.Ordinal); // generateName, as a ReplicaSet creates pods

        // The pod opts out, the namespace is not labelled, or the pod has the host's network: no sidecar
        var optOut = Pod("ratings-", "ratings");
        optOut["metadata"]!["labels"]!["sidecar.istio.io/inject"] = "false";
        Assert.Null((await CreateAsync("/api/v1/namespaces/bookinfo/pods", optOut)).Stored["spec"]!["initContainers"]);
        Assert.Null((await CreateAsync("/api/v1/namespaces/legacy/pods", Pod("old-", "old"))).Stored["spec"]!["initContainers"]);
        var hostNetwork = Pod("node-agent-", "agent");
        hostNetwork["spec"]!["hostNetwork"] = true;
        Assert.Null((await CreateAsync("/api/v1/namespaces/bookinfo/pods", hostNetwork)).Stored["spec"]!["initContainers"]);
        lock (log)
        {
            Assert.Contains(log, l => l.Contains("left alone: the pod uses the host's network", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task An_invalid_istio_resource_is_refused_with_the_validate_message_and_a_valid_one_is_stored()
    {
        var invalid = JsonNode.Parse("""
            {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "reviews"},
             "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"subset": "v1"}}]}]}}
            """)!.AsObject();
        var (code, status) = await CreateAsync("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices", invalid);
        Assert.Equal(HttpStatusCode.BadRequest, code);
        var message = status["message"]!.GetValue<string>();
        Assert.StartsWith("admission webhook \"validation.istio.io\" denied the request: configuration is invalid: ", message, StringComparison.Ordinal);
        Assert.Contains("spec.http[0].route[0].destination.host: host is required", message, StringComparison.Ordinal);
        Assert.Null(api.Get("networking.istio.io", "virtualservices", "bookinfo", "reviews"));

        invalid["spec"]!["http"]![0]!["route"]![0]!["destination"]!["host"] = "reviews";
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync("/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices", invalid)).Code);

        // An update that breaks it is refused too; the stored one stays
        using var patch = new StringContent("""{"spec": {"http": [{"route": [{"destination": {"host": "reviews"}, "weight": -5}]}]}}""", Encoding.UTF8, "application/merge-patch+json");
        using var patched = await http.PatchAsync(new Uri(api.Address, "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews"), patch);
        Assert.Equal(HttpStatusCode.BadRequest, patched.StatusCode);
        Assert.Null(api.Get("networking.istio.io", "virtualservices", "bookinfo", "reviews")!["spec"]!["http"]![0]!["route"]![0]!["weight"]);
    }

    private async Task<(HttpStatusCode Code, JsonObject Stored)> CreateAsync(string path, JsonObject o)
    {
        using var content = new StringContent(o.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(api.Address, path), content);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    private static JsonObject Pod(string generateName, string app) => JsonNode.Parse($$$"""
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "{{{generateName}}}", "labels": {"app": "{{{app}}}"}},
         "spec": {"containers": [{"name": "{{{app}}}", "image": "example/{{{app}}}", "ports": [{"containerPort": 9080}]}]}
        }
        """)!.AsObject();

    private void Record(string line)
    {
        lock (log)
        {
            log.Add(line);
        }
    }
}
