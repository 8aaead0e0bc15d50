using System.Text.Json.Nodes;

namespace Causeway.Kubernetes;

/// <summary>What injected pods run and where their proxies connect.</summary>
public sealed record InjectionSettings
{
    /// <summary>The one image that holds <c>causeway</c> (deploy/Dockerfile).</summary>
    public string Image { get; init; } = "causeway:latest";

    /// <summary>The control plane's push address as proxies reach it: its Service.</summary>
    public string ControlPlane { get; init; } = "http://causeway.causeway-system.svc:15010";

    public int ProxyUid { get; init; } = 1337;

    /// <summary>Kubernetes 1.29 and later: the proxy is a native sidecar (an init container that keeps running), started before the application and stopped after it.</summary>
    public bool NativeSidecar { get; init; } = true;
}

/// <summary>
/// Sidecar injection as Istio's webhook and <c>istioctl kube-inject</c> do it, with Istio's names, so tooling that
/// looks for them finds them: an <c>istio-init</c> init container running <c>causeway iptables</c> with the pod's
/// traffic.sidecar.istio.io annotations, and an <c>istio-proxy</c> container running <c>causeway-proxy --capture</c>
/// as uid 1337 for the pod's own name and namespace; the labels and the sidecar.istio.io/status annotation Istio adds.
/// Pure: JSON in, JSON out.
/// </summary>
public static class SidecarInjector
{
    public const string StatusAnnotation = "sidecar.istio.io/status";
    public const string InjectKey = "sidecar.istio.io/inject";
    public const string NamespaceLabel = "istio-injection";

    private static readonly string[] TemplatedKinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"];

    /// <summary>
    /// Why the webhook leaves a pod alone (null: inject). Istio's policy: never host-network pods, pods already
    /// injected or in kube-system/kube-public; the pod's sidecar.istio.io/inject (label or annotation) decides when
    /// set; otherwise the namespace's istio-injection label must be "enabled".
    /// </summary>
    public static string? SkipReason(JsonObject pod, string ns, IReadOnlyDictionary<string, string>? namespaceLabels)
    {
        if (ns is "kube-system" or "kube-public")
        {
            return $"namespace {ns} is never injected";
        }

        if (pod["spec"]?["hostNetwork"]?.GetValueKind() == System.Text.Json.JsonValueKind.True)
        {
            return "the pod uses the host's network";
        }

        if (Annotation(pod, StatusAnnotation) is not null)
        {
            return "already injected";
        }

        var podSays = pod["metadata"]?["labels"]?[InjectKey]?.GetValue<string>() ?? Annotation(pod, InjectKey);
        if (podSays is not null)
        {
            return podSays is "true" or "y" or "yes" or "on" ? null : $"{InjectKey}: \"{podSays}\"";
        }

        return namespaceLabels?.GetValueOrDefault(NamespaceLabel) == "enabled" ? null : $"namespace {ns} is not labelled {NamespaceLabel}=enabled";
    }

    /// <summary>
    /// A manifest with its pods injected (kube-inject): a Pod, the pod template of a Deployment, StatefulSet,
    /// DaemonSet, ReplicaSet, ReplicationController, Job or CronJob, every item of a List; anything else as it was.
    /// A pod that opts out (sidecar.istio.io/inject: "false"), or is already injected, is left alone.
    /// </summary>
    public static JsonNode InjectManifest(JsonNode manifest, InjectionSettings settings)
    {
        if (manifest is not JsonObject o)
        {
            return manifest.DeepClone();
        }

        var copy = (JsonObject)o.DeepClone();
        var kind = copy["kind"]?.GetValue<string>();
        if (kind == "List" && copy["items"] is JsonArray items)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is { } item)
                {
                    items[i] = InjectManifest(item, settings);
                }
            }

            return copy;
        }

        var template = kind switch
        {
            "Pod" => copy,
            "CronJob" => copy["spec"]?["jobTemplate"]?["spec"]?["template"] as JsonObject,
            _ when TemplatedKinds.Contains(kind) => copy["spec"]?["template"] as JsonObject,
            _ => null,
        };
        if (template is not null && SkipReason(template, "", new Dictionary<string, string> { [NamespaceLabel] = "enabled" }) is null)
        {
            InjectInPlace(template, settings);
        }

        return copy;
    }

    /// <summary>The pod with its sidecar (a copy).</summary>
    public static JsonObject Inject(JsonObject pod, InjectionSettings settings)
    {
        var copy = (JsonObject)pod.DeepClone();
        InjectInPlace(copy, settings);
        return copy;
    }

    /// <summary>
    /// The webhook's answer as a JSON Patch (RFC 6902): the pod's spec, labels and annotations replaced by the
    /// injected ones ("add" replaces a member that exists).
    /// </summary>
    public static JsonArray Patch(JsonObject pod, InjectionSettings settings)
    {
        var injected = Inject(pod, settings);
        var patch = new JsonArray();
        if (pod["metadata"] is null)
        {
            patch.Add((JsonNode)new JsonObject { ["op"] = "add", ["path"] = "/metadata", ["value"] = new JsonObject() });
        }

        patch.Add((JsonNode)new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels", ["value"] = injected["metadata"]!["labels"]!.DeepClone() });
        patch.Add((JsonNode)new JsonObject { ["op"] = "add", ["path"] = "/metadata/annotations", ["value"] = injected["metadata"]!["annotations"]!.DeepClone() });
        patch.Add((JsonNode)new JsonObject { ["op"] = "add", ["path"] = "/spec", ["value"] = injected["spec"]!.DeepClone() });
        return patch;
    }

    private static void InjectInPlace(JsonObject pod, InjectionSettings settings)
    {
        var metadata = pod["metadata"] as JsonObject ?? (JsonObject)(pod["metadata"] = new JsonObject());
        var labels = metadata["labels"] as JsonObject ?? (JsonObject)(metadata["labels"] = new JsonObject());
        var annotations = metadata["annotations"] as JsonObject ?? (JsonObject)(metadata["annotations"] = new JsonObject());
        var spec = pod["spec"] as JsonObject ?? (JsonObject)(pod["spec"] = new JsonObject());
        var containers = spec["containers"] as JsonArray ?? (JsonArray)(spec["containers"] = new JsonArray());
        var initContainers = spec["initContainers"] as JsonArray ?? (JsonArray)(spec["initContainers"] = new JsonArray());

        // kubectl logs/exec pick the application, not the proxy, when no container is named
        var application = containers.FirstOrDefault()?["name"]?.GetValue<string>();
        if (application is not null && annotations["kubectl.kubernetes.io/default-container"] is null)
        {
            annotations["kubectl.kubernetes.io/default-container"] = application;
        }

        // The pod's own token for the control plane (audience istio-ca, bound to this pod), as Istio mounts it
        var volumes = spec["volumes"] as JsonArray ?? (JsonArray)(spec["volumes"] = new JsonArray());
        volumes.Add((JsonNode)new JsonObject
        {
            ["name"] = "istio-token",
            ["projected"] = new JsonObject
            {
                ["sources"] = new JsonArray(new JsonObject
                {
                    ["serviceAccountToken"] = new JsonObject { ["audience"] = ServiceAccountTokens.Audience, ["expirationSeconds"] = 43200, ["path"] = "istio-token" },
                }),
            },
        });
        initContainers.Insert(0, (JsonNode)InitContainer(annotations, settings));
        var proxy = ProxyContainer(settings);
        if (settings.NativeSidecar)
        {
            proxy["restartPolicy"] = "Always";
            initContainers.Insert(1, (JsonNode)proxy);
        }
        else
        {
            containers.Add((JsonNode)proxy);
        }

        // Istio's labels: the endpoint speaks mutual TLS (auto mTLS reads it), and the canonical service for telemetry
        labels["security.istio.io/tlsMode"] = "istio";
        labels["service.istio.io/canonical-name"] ??= labels["app.kubernetes.io/name"]?.DeepClone() ?? labels["app"]?.DeepClone() ?? metadata["generateName"]?.GetValue<string>().TrimEnd('-') ?? metadata["name"]?.DeepClone();
        labels["service.istio.io/canonical-revision"] ??= labels["app.kubernetes.io/version"]?.DeepClone() ?? labels["version"]?.DeepClone() ?? "latest";
        // Where the sidecar's metrics are scraped (Istio points Prometheus at its merged-metrics port the same way)
        annotations["prometheus.io/scrape"] ??= "true";
        annotations["prometheus.io/port"] ??= "15021";
        annotations["prometheus.io/path"] ??= "/stats/prometheus";
        annotations[StatusAnnotation] = new JsonObject
        {
            ["initContainers"] = settings.NativeSidecar ? new JsonArray("istio-init", "istio-proxy") : new JsonArray("istio-init"),
            ["containers"] = settings.NativeSidecar ? new JsonArray() : new JsonArray("istio-proxy"),
            ["volumes"] = new JsonArray("istio-token"),
            ["imagePullSecrets"] = null,
        }.ToJsonString();
    }

    private static JsonObject InitContainer(JsonObject annotations, InjectionSettings settings)
    {
        var args = new JsonArray("iptables", "--proxy-uid", Text(settings.ProxyUid), "--proxy-gid", Text(settings.ProxyUid));
        foreach (var (annotation, flag) in new[]
        {
            ("traffic.sidecar.istio.io/includeInboundPorts", "--inbound-ports"),
            ("traffic.sidecar.istio.io/excludeInboundPorts", "--exclude-inbound-ports"),
            ("traffic.sidecar.istio.io/includeOutboundIPRanges", "--outbound-ip-ranges"),
            ("traffic.sidecar.istio.io/excludeOutboundIPRanges", "--exclude-outbound-ip-ranges"),
            ("traffic.sidecar.istio.io/includeOutboundPorts", "--outbound-ports"),
            ("traffic.sidecar.istio.io/excludeOutboundPorts", "--exclude-outbound-ports"),
        })
        {
            if (annotations[annotation]?.GetValue<string>() is { } value)
            {
                args.Add((JsonNode)flag);
                args.Add((JsonNode)value);
            }
        }

        return new JsonObject
        {
            ["name"] = "istio-init",
            ["image"] = settings.Image,
            ["command"] = new JsonArray("causeway"),
            ["args"] = args,
            ["securityContext"] = new JsonObject
            {
                ["runAsUser"] = 0,
                ["runAsGroup"] = 0,
                ["runAsNonRoot"] = false,
                ["allowPrivilegeEscalation"] = false,
                ["readOnlyRootFilesystem"] = true,
                ["capabilities"] = new JsonObject { ["add"] = new JsonArray("NET_ADMIN", "NET_RAW"), ["drop"] = new JsonArray("ALL") },
            },
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "10m", ["memory"] = "10Mi" } },
        };
    }

    private static JsonObject ProxyContainer(InjectionSettings settings) => new()
    {
        ["name"] = "istio-proxy",
        ["image"] = settings.Image,
        ["command"] = new JsonArray("causeway-proxy"), // the lean sidecar binary: the proxy and nothing else
        ["args"] = new JsonArray("--control-plane", settings.ControlPlane, "--workload", "$(POD_NAME).$(POD_NAMESPACE)", "--capture", "--admin-port", "15000",
            "--status-address", "0.0.0.0:15021", "--token-file", TokenPath),
        // Istio's sidecar readiness: ready once its configuration is applied (the kubelet probes the pod's address)
        ["ports"] = new JsonArray(new JsonObject { ["name"] = "http-status", ["containerPort"] = 15021, ["protocol"] = "TCP" }),
        ["readinessProbe"] = new JsonObject
        {
            ["httpGet"] = new JsonObject { ["path"] = "/healthz/ready", ["port"] = 15021 },
            ["initialDelaySeconds"] = 0, ["periodSeconds"] = 2, ["failureThreshold"] = 30,
        },
        ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "istio-token", ["mountPath"] = "/var/run/secrets/tokens", ["readOnly"] = true }),
        ["env"] = new JsonArray(
            new JsonObject { ["name"] = "POD_NAME", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "metadata.name" } } },
            new JsonObject { ["name"] = "POD_NAMESPACE", ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "metadata.namespace" } } }),
        ["securityContext"] = new JsonObject
        {
            ["runAsUser"] = settings.ProxyUid,
            ["runAsGroup"] = settings.ProxyUid,
            ["runAsNonRoot"] = true,
            ["allowPrivilegeEscalation"] = false,
            ["readOnlyRootFilesystem"] = true,
            ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") },
        },
        ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "64Mi" } },
    };

    /// <summary>Where the sidecar reads its pod's service account token (Istio's path).</summary>
    public const string TokenPath = "/var/run/secrets/tokens/istio-token";

    private static string Text(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string? Annotation(JsonObject pod, string key) => pod["metadata"]?["annotations"]?[key]?.GetValue<string>();
}
