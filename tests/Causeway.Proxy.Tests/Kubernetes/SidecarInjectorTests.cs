using System.Text.Json.Nodes;
using Causeway.Api.Loading;
using Causeway.Kubernetes;

namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>
/// Injection as Istio decides and shapes it (istio.io "Installing the sidecar": the namespace label, the pod's
/// sidecar.istio.io/inject, host-network pods and kube-system never), and kube-inject on the manifest kinds
/// istioctl kube-inject takes, written back as YAML that reads back the same.
/// </summary>
public class SidecarInjectorTests
{
    private static readonly Dictionary<string, string> Enabled = new() { ["istio-injection"] = "enabled" };

    [Theory]
    [InlineData("default", "enabled", null, null, null)]
    [InlineData("default", null, null, null, "namespace default is not labelled istio-injection=enabled")]
    [InlineData("default", "disabled", null, null, "namespace default is not labelled istio-injection=enabled")]
    [InlineData("default", "enabled", "false", null, "sidecar.istio.io/inject: \"false\"")]
    [InlineData("default", null, "true", null, null)]
    [InlineData("default", "enabled", null, "false", "sidecar.istio.io/inject: \"false\"")]
    [InlineData("kube-system", "enabled", "true", null, "namespace kube-system is never injected")]
    public void Istios_injection_policy(string ns, string? namespaceLabel, string? podLabel, string? podAnnotation, string? skip)
    {
        var pod = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject(), ["annotations"] = new JsonObject() }, ["spec"] = new JsonObject() };
        if (podLabel is not null)
        {
            pod["metadata"]!["labels"]!["sidecar.istio.io/inject"] = podLabel;
        }

        if (podAnnotation is not null)
        {
            pod["metadata"]!["annotations"]!["sidecar.istio.io/inject"] = podAnnotation;
        }

        var labels = namespaceLabel is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["istio-injection"] = namespaceLabel };
        Assert.Equal(skip, SidecarInjector.SkipReason(pod, ns, labels));
    }

    [Fact]
    public void An_injected_pod_is_not_injected_again_and_its_annotations_become_capture_flags()
    {
        var pod = JsonNode.Parse("""
            {"metadata": {"name": "web", "labels": {"app": "web", "version": "v3"},
                          "annotations": {"traffic.sidecar.istio.io/excludeOutboundIPRanges": "10.0.0.1/32", "traffic.sidecar.istio.io/includeInboundPorts": "8080"}},
             "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
            """)!.AsObject();
        var injected = SidecarInjector.Inject(pod, new InjectionSettings { NativeSidecar = false });
        Assert.Equal(["web", "istio-proxy"], injected["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        var init = Assert.Single(injected["spec"]!["initContainers"]!.AsArray())!;
        Assert.Equal(["iptables", "--proxy-uid", "1337", "--proxy-gid", "1337", "--inbound-ports", "8080", "--exclude-outbound-ip-ranges", "10.0.0.1/32"],
            init["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(("web", "v3"), (injected["metadata"]!["labels"]!["service.istio.io/canonical-name"]!.GetValue<string>(), injected["metadata"]!["labels"]!["service.istio.io/canonical-revision"]!.GetValue<string>()));
        Assert.Equal("web", injected["metadata"]!["annotations"]!["kubectl.kubernetes.io/default-container"]!.GetValue<string>());
        Assert.Equal("already injected", SidecarInjector.SkipReason(injected, "default", Enabled));
        Assert.Equal(injected.ToJsonString(), SidecarInjector.InjectManifest(injected.DeepClone().AsObject().Also(o => o["kind"] = "Pod"), new InjectionSettings()).AsObject().Also(o => o.Remove("kind")).ToJsonString());
    }

    [Fact]
    public void Kube_inject_rewrites_the_pod_templates_of_workloads_and_lists_and_leaves_other_kinds()
    {
        const string manifests = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: details-v1}
            spec:
              template:
                metadata: {labels: {app: details}}
                spec: {containers: [{name: details, image: "docker.io/istio/examples-bookinfo-details-v1:1.20.3", ports: [{containerPort: 9080}]}]}
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: report}
            spec:
              schedule: "*/5 * * * *"
              jobTemplate: {spec: {template: {spec: {containers: [{name: report, image: busybox, args: ["true", "yes", "0x1F", "1.5"]}]}}}}
            ---
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Pod
              metadata: {name: a, annotations: {sidecar.istio.io/inject: "false"}}
              spec: {containers: [{name: a, image: a}]}
            - apiVersion: v1
              kind: Pod
              metadata: {name: b}
              spec: {containers: [{name: b, image: b}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: details}
            spec: {ports: [{port: 9080, name: http}]}
            """;
        var output = YamlWriter.Write(YamlJson.ReadDocuments(manifests).Select(d => SidecarInjector.InjectManifest(d, new InjectionSettings())));
        var back = YamlJson.ReadDocuments(output);
        Assert.Equal(4, back.Count);
        Assert.Equal(["istio-init", "istio-proxy"], Names(back[0]["spec"]!["template"]!["spec"]!["initContainers"]));
        Assert.Equal(["istio-init", "istio-proxy"], Names(back[1]["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!["initContainers"]));
        Assert.Null(back[2]["items"]![0]!["spec"]!["initContainers"]); // opted out
        Assert.Equal(["istio-init", "istio-proxy"], Names(back[2]["items"]![1]!["spec"]!["initContainers"]));
        Assert.Equal(YamlJson.ReadDocuments(manifests)[3].ToJsonString(), back[3].ToJsonString()); // a Service is left as it was

        // Strings that YAML would read as something else stay strings through the round trip
        Assert.Equal(["true", "yes", "0x1F", "1.5"], back[1]["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("*/5 * * * *", back[1]["spec"]!["schedule"]!.GetValue<string>());
    }

    private static string[] Names(JsonNode? containers) => [.. containers!.AsArray().Select(c => c!["name"]!.GetValue<string>())];
}

internal static class JsonObjectTestExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o;
    }
}
