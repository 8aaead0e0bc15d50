using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Causeway.Proxy.Tests.Kubernetes;

namespace Causeway.Cli.Tests;

/// <summary>
/// A Kubernetes node played for real but for the kubelet: the fake API server (in this process), the real
/// `causeway control-plane --kubernetes` reading it and serving the injection and validation webhooks, and pods
/// created through the API, so the mutating webhook injects them. Each pod is a network namespace on one bridge
/// where the test does the kubelet's part: it runs the injected init container's command (causeway iptables) as
/// root and the injected istio-proxy container's command as uid 1337, then the unmodified application. The sleep
/// pod reaches reviews by its ClusterIP; the VirtualService applied through the API (and checked by the validating
/// webhook) decides which version answers, and a change to it moves the traffic.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KubernetesNodeTests
{
    private const string Reviews = """
        const http = require('http'), pod = process.argv[1];
        http.createServer((q, s) => s.end(JSON.stringify({ pod, from: q.socket.remoteAddress, attempt: q.headers['x-envoy-attempt-count'] || null })))
          .listen(9080, '0.0.0.0');
        setTimeout(() => console.log('ready'), 200);
        """;

    [Fact]
    public async Task Injected_pods_on_a_node_route_by_the_virtual_service_the_api_holds()
    {
        await using var api = await FakeApiServer.StartAsync();
        api.ServeIstioKinds();
        var dir = Directory.CreateTempSubdirectory("causeway-node-");
        File.SetUnixFileMode(dir.FullName, (UnixFileMode)0b111_101_101); // the proxies run as uid 1337 and read their tokens here
        System.Diagnostics.Process? controlPlane = null;
        await using var node = await NetworkNamespace.CreateAsync();
        var pods = new Dictionary<string, NetworkNamespace>();
        try
        {
            // The control plane's CA (the cacerts Secret of an install), its kubeconfig, and the control plane itself
            using var ca = Causeway.ControlPlane.Security.MeshCertificateAuthority.SelfSigned();
            var cacerts = Directory.CreateDirectory(Path.Combine(dir.FullName, "cacerts"));
            foreach (var (file, pem) in ca.ExportCacerts())
            {
                await File.WriteAllTextAsync(Path.Combine(cacerts.FullName, file), pem);
            }

            var kubeconfig = Path.Combine(dir.FullName, "kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, ApiObjects.Kubeconfig(api.Address));
            var push = CausewayProcess.FreePort();
            var status = CausewayProcess.FreePort();
            var webhook = CausewayProcess.FreePort();
            controlPlane = await CausewayProcess.StartUntilAsync(Binaries.StartInfo(Binaries.Causeway, ["control-plane", "--kubernetes", "--kubeconfig", kubeconfig,
                "--push-address", $"0.0.0.0:{push}", "--status-address", $"127.0.0.1:{status}", "--webhook-address", $"127.0.0.1:{webhook}",
                "--ca-dir", cacerts.FullName, "--inject-image", "causeway:test"]), "admission webhooks at");

            // What causeway install registers, by URL here (the fake has no Service network)
            var bundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(ca.RootPem));
            api.Put($$$$$"""
                {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": {"name": "causeway-sidecar-injector"},
                 "webhooks": [{"name": "sidecar-injector.istio.io", "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail",
                   "clientConfig": {"url": "https://127.0.0.1:{{{{{webhook}}}}}/inject", "caBundle": "{{{{{bundle}}}}}"},
                   "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
                   "namespaceSelector": {"matchLabels": {"istio-injection": "enabled"}}}]}
                """);
            api.Put($$$$$"""
                {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "causeway-validator"},
                 "webhooks": [{"name": "validation.istio.io", "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail",
                   "clientConfig": {"url": "https://127.0.0.1:{{{{{webhook}}}}}/validate", "caBundle": "{{{{{bundle}}}}}"},
                   "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["networking.istio.io"], "apiVersions": ["*"], "resources": ["*"]}]}]}
                """);
            api.Put("""{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default", "labels": {"istio-injection": "enabled"}}}""");
            api.Put("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "reviews", "namespace": "default"},
                 "spec": {"clusterIP": "10.96.0.42", "selector": {"app": "reviews"}, "ports": [{"name": "http", "port": 9080, "targetPort": 9080}]}}
                """);
            await PostAsync(api, "/apis/networking.istio.io/v1/namespaces/default/destinationrules", """
                {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "reviews"},
                 "spec": {"host": "reviews", "subsets": [{"name": "v1", "labels": {"version": "v1"}}, {"name": "v2", "labels": {"version": "v2"}}]}}
                """);
            await PostAsync(api, "/apis/networking.istio.io/v1/namespaces/default/virtualservices", Routing("v2", "v1"));

            var index = 0;
            foreach (var (pod, version, ip) in new[] { ("sleep", (string?)null, "10.79.0.1"), ("reviews-v1", "v1", "10.79.0.2"), ("reviews-v2", "v2", "10.79.0.3") })
            {
                index++;
                var ns = await NetworkNamespace.CreateAsync();
                pods[pod] = ns;
                await ns.AttachAsync(node, ip + "/24");
                await ns.LinkToHostAsync($"10.81.{index}.1", $"10.81.{index}.2");

                // Created through the API: the mutating webhook adds the sidecar; the "kubelet" then starts the pod
                var labels = version is null ? """{"app": "sleep"}""" : $$$$$"""{"app": "reviews", "version": "{{{{{version}}}}}"}""";
                var created = await PostAsync(api, "/api/v1/namespaces/default/pods", $$$$$"""
                    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "{{{{{pod}}}}}", "labels": {{{{{labels}}}}}},
                     "spec": {"serviceAccountName": "{{{{{pod.Split('-')[0]}}}}}", "containers": [{"name": "app", "image": "example/{{{{{pod}}}}}"}]}}
                    """);
                var init = created["spec"]!["initContainers"]!.AsArray();
                Assert.Equal(["istio-init", "istio-proxy"], init.Select(c => c!["name"]!.GetValue<string>()));
                created["status"] = JsonNode.Parse($$$$$"""{"phase": "Running", "podIP": "{{{{{ip}}}}}", "conditions": [{"type": "Ready", "status": "True"}]}""");
                api.Put(created.ToJsonString());

                // The kubelet projects the pod's service account token (audience istio-ca) into the proxy's volume
                var token = Path.Combine(dir.FullName, $"{pod}.token");
                await File.WriteAllTextAsync(token, api.IssueServiceAccountToken("default", pod.Split('-')[0], pod));
                File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

                await ns.ExecAsync([.. Binaries.CommandLine(Command(init[0]!), Args(init[0]!, pod, push, index, token))]);
                if (version is not null)
                {
                    await ns.StartAsync("ready", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "node", "-e", Reviews, pod);
                }

                await ns.StartAsync("applied snapshot", ["setpriv", "--reuid=1337", "--regid=1337", "--clear-groups",
                    .. Binaries.CommandLine(Command(init[1]!), Args(init[1]!, pod, push, index, token))]);
            }

            // As the kubelet waits for readiness: each sidecar has its configuration and its workload certificate
            // (it proved its pod with its service account token), and sleep's sidecar knows both reviews pods
            foreach (var (pod, ns) in pods)
            {
                await UntilAsync(async () => (await ns.TryExecAsync("curl", "-sS", "http://127.0.0.1:15000/certs")).Stdout.Contains($"spiffe://cluster.local/ns/default/sa/{pod.Split('-')[0]}", StringComparison.Ordinal),
                    $"{pod}'s sidecar has no workload certificate: {(await ns.TryExecAsync("curl", "-sS", "http://127.0.0.1:15000/certs")).Stdout} {(await ns.TryExecAsync("curl", "-sS", "http://127.0.0.1:15000/server_info")).Stdout}");
            }

            var sleep = pods["sleep"];
            await UntilAsync(async () => (await sleep.TryExecAsync("curl", "-sS", "http://127.0.0.1:15000/clusters")).Stdout.Split('\n')
                .Count(l => l.StartsWith("outbound|9080|v", StringComparison.Ordinal) && l.Contains("reviews.default.svc.cluster.local::10.79.0.", StringComparison.Ordinal) && l.EndsWith("health_flags::healthy", StringComparison.Ordinal)) >= 2,
                $"sleep's sidecar does not have both reviews pods as healthy endpoints: {(await sleep.TryExecAsync("curl", "-sS", "http://127.0.0.1:15000/clusters")).Stdout}");

            // jason to v2, everyone else to v1, through both captured sidecars, with mutual TLS between them
            Assert.Equal("reviews-v1", (await CallAsync(sleep)).GetProperty("pod").GetString());
            var jason = await CallAsync(sleep, "jason");
            Assert.Equal("reviews-v2", jason.GetProperty("pod").GetString());
            Assert.Equal("1", jason.GetProperty("attempt").GetString());
            Assert.Equal("127.0.0.1", jason.GetProperty("from").GetString());
            var metrics = await pods["reviews-v2"].ExecAsync("curl", "-sS", "http://127.0.0.1:15000/stats/prometheus");
            Assert.Matches("istio_requests_total\\{reporter=\"destination\",[^}]*source_principal=\"spiffe://cluster.local/ns/default/sa/sleep\"[^}]*connection_security_policy=\"mutual_tls\"", metrics);

            // The kubelet's readiness probe reaches the sidecar's status port on the pod's address (inbound capture
            // leaves 15021 alone); the admin listener is not there
            var (probe, ready, _) = await sleep.TryExecAsync("curl", "-sS", "--max-time", "5", "http://10.79.0.2:15021/healthz/ready");
            Assert.True(probe == 0 && ready == "ready\n", $"readiness probe: {probe} {ready}");
            var (_, adminOnPod, _) = await sleep.TryExecAsync("curl", "-sS", "--max-time", "5", "http://10.79.0.2:15021/config_dump");
            Assert.StartsWith("endpoints: /healthz/ready", adminOnPod, StringComparison.Ordinal);

            // The VirtualService changed through the API (everyone to v2 now) reaches the sidecars
            var current = api.Get("networking.istio.io", "virtualservices", "default", "reviews")!;
            var changed = JsonNode.Parse(Routing("v2", "v2"))!.AsObject();
            changed["metadata"]!["resourceVersion"] = current["metadata"]!["resourceVersion"]!.DeepClone();
            await SendAsync(api, HttpMethod.Put, "/apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews", changed.ToJsonString());
            for (var attempt = 0; (await CallAsync(sleep)).GetProperty("pod").GetString() != "reviews-v2"; attempt++)
            {
                Assert.True(attempt < 50, "the changed VirtualService did not reach the sleep sidecar in 5 s");
                await Task.Delay(100);
            }

            // The control plane wrote the resource's status back, as istiod does: this generation is in force
            for (var attempt = 0; api.Get("networking.istio.io", "virtualservices", "default", "reviews")?["status"] is not { } written
                 || written["observedGeneration"]?.GetValue<long>() != 2 || written["conditions"]?[0]?["status"]?.GetValue<string>() != "True"; attempt++)
            {
                Assert.True(attempt < 50, "the control plane did not write the VirtualService's status in 5 s");
                await Task.Delay(100);
            }

            // An invalid one is refused by the validating webhook with causeway validate's message
            var refused = await SendAsync(api, HttpMethod.Post, "/apis/networking.istio.io/v1/namespaces/default/virtualservices",
                """{"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "broken"}, "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"subset": "v1"}}]}]}}""",
                expectSuccess: false);
            Assert.Contains("host is required", refused, StringComparison.Ordinal);

            // causeway status lists the three injected sidecars by their pods
            var (code, json, err) = CausewayProcess.Run($"status --control-plane http://127.0.0.1:{status} -o json");
            Assert.True(code == 0, err);
            var connected = JsonDocument.Parse(json).RootElement.GetProperty("proxies").EnumerateArray().Select(p => p.GetProperty("proxy").GetString()).Order().ToList();
            Assert.Equal(["sidecar reviews-v1.default", "sidecar reviews-v2.default", "sidecar sleep.default"], connected);
        }
        finally
        {
            foreach (var ns in pods.Values)
            {
                await ns.DisposeAsync();
            }

            controlPlane?.Kill(entireProcessTree: true);
            controlPlane?.Dispose();
            dir.Delete(true);
        }
    }

    /// <summary>
    /// An injected container's command line as the kubelet runs it: $(POD_NAME) and $(POD_NAMESPACE) expanded; the
    /// control plane's Service address replaced by the host end of the pod's link (this node has no cluster DNS).
    /// </summary>
    private static string[] Args(JsonNode container, string pod, int push, int index, string token)
    {
        var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>().Replace("$(POD_NAME)", pod, StringComparison.Ordinal).Replace("$(POD_NAMESPACE)", "default", StringComparison.Ordinal)).ToArray();
        var at = Array.IndexOf(args, "--control-plane");
        if (at >= 0)
        {
            Assert.Equal("http://causeway.causeway-system.svc:15010", args[at + 1]);
            args[at + 1] = $"http://10.81.{index}.1:{push}";
        }

        var tokenAt = Array.IndexOf(args, "--token-file");
        if (tokenAt >= 0)
        {
            Assert.Equal("/var/run/secrets/tokens/istio-token", args[tokenAt + 1]);
            args[tokenAt + 1] = token; // where this "kubelet" mounted it
        }

        return args;
    }

    /// <summary>The injected container's binary: causeway for the init container, the lean causeway-proxy for the sidecar.</summary>
    private static string Command(JsonNode container) => container["command"]![0]!.GetValue<string>() switch
    {
        "causeway" => Binaries.Causeway,
        "causeway-proxy" => Binaries.Proxy,
        var other => throw new InvalidOperationException($"unexpected command {other}"),
    };

    private static string Routing(string jason, string others) => $$$$$"""
        {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "reviews", "namespace": "default"},
         "spec": {"hosts": ["reviews"], "http": [
           {"match": [{"headers": {"end-user": {"exact": "jason"}}}], "route": [{"destination": {"host": "reviews", "subset": "{{{{{jason}}}}}"}}]},
           {"route": [{"destination": {"host": "reviews", "subset": "{{{{{others}}}}}"}}]}]}}
        """;

    private static async Task<JsonElement> CallAsync(NetworkNamespace sleep, string? user = null)
    {
        string[] headers = user is null ? [] : ["-H", $"end-user: {user}"];
        var (code, stdout, stderr) = await sleep.TryExecAsync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "curl", "-sS", "--max-time", "10", "--resolve", "reviews:9080:10.96.0.42", .. headers, "http://reviews:9080/reviews/0"]);
        Assert.True(code == 0, $"curl exited {code}: {stderr}{stdout}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        for (var attempt = 0; !await condition(); attempt++)
        {
            Assert.True(attempt < 100, failure + " after 10 s");
            await Task.Delay(100);
        }
    }

    private static async Task<JsonObject> PostAsync(FakeApiServer api, string path, string json) =>
        JsonNode.Parse(await SendAsync(api, HttpMethod.Post, path, json))!.AsObject();

    private static async Task<string> SendAsync(FakeApiServer api, HttpMethod method, string path, string json, bool expectSuccess = true)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(method, new Uri(api.Address, path)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode == expectSuccess, $"{method} {path}: {(int)response.StatusCode} {body}");
        return body;
    }
}
