using System.Text.Json;

namespace Causeway.Cli.Tests;

/// <summary>
/// Pods as Kubernetes makes them, in network namespaces on one bridge: each runs an unmodified application (uid
/// 65534), <c>causeway iptables</c> (the init container's rules) and <c>causeway proxy --capture</c>. The sleep pod
/// calls the reviews Service by its ClusterIP; its sidecar takes the connection on 15001 by its original
/// destination, routes it by the VirtualService (jason to v2, everyone else to v1), the chosen pod's sidecar takes
/// it on 15006 and hands it to its application on loopback. A port no Service declares is passed through both
/// sidecars to where the application sent it. The proxies' own connections are not captured again (they would loop).
/// </summary>
public sealed class SidecarCaptureTests
{
    private const string Mesh = """
        apiVersion: v1
        kind: Service
        metadata: {name: reviews, namespace: default}
        spec:
          clusterIP: 10.96.0.42
          selector: {app: reviews}
          ports: [{name: http, port: 9080, targetPort: 9080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: sleep, namespace: default}
        spec:
          clusterIP: 10.96.0.43
          selector: {app: sleep}
          ports: [{name: http, port: 80, targetPort: 80}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: reviews-v1, namespace: default, labels: {app: reviews, version: v1}}
        spec: {serviceAccountName: reviews, containers: [{name: reviews, image: example/reviews}]}
        status: {phase: Running, podIP: 10.79.0.2, conditions: [{type: Ready, status: "True"}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: reviews-v2, namespace: default, labels: {app: reviews, version: v2}}
        spec: {serviceAccountName: reviews, containers: [{name: reviews, image: example/reviews}]}
        status: {phase: Running, podIP: 10.79.0.3, conditions: [{type: Ready, status: "True"}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: sleep, namespace: default, labels: {app: sleep}}
        spec: {serviceAccountName: sleep, containers: [{name: sleep, image: example/sleep}]}
        status: {phase: Running, podIP: 10.79.0.1, conditions: [{type: Ready, status: "True"}]}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: default}
        spec:
          host: reviews
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: [reviews]
          http:
          - match: [{headers: {end-user: {exact: jason}}}]
            route: [{destination: {host: reviews, subset: v2}}]
          - route: [{destination: {host: reviews, subset: v1}}]
        """;

    /// <summary>The reviews application: HTTP on 9080 says which pod answered and who connected; TCP on 7777 (no Service declares it) echoes.</summary>
    private const string Reviews = """
        const http = require('http'), net = require('net'), pod = process.argv[1];
        http.createServer((q, s) => s.end(JSON.stringify({ pod, from: q.socket.remoteAddress, attempt: q.headers['x-envoy-attempt-count'] || null })))
          .listen(9080, '0.0.0.0');
        net.createServer(c => c.on('data', d => c.write(pod + ':' + d))).listen(7777, '0.0.0.0');
        setTimeout(() => console.log('ready'), 200);
        """;

    [Fact]
    public async Task Captured_pods_reach_a_service_by_its_cluster_ip_routed_by_the_virtual_service_through_both_sidecars()
    {
        var dir = Directory.CreateTempSubdirectory("causeway-pods-");
        await using var node = await NetworkNamespace.CreateAsync();
        await using var sleep = await NetworkNamespace.CreateAsync();
        await using var reviewsV1 = await NetworkNamespace.CreateAsync();
        await using var reviewsV2 = await NetworkNamespace.CreateAsync();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "mesh.yaml"), Mesh);
            foreach (var (pod, ns, ip) in new[] { ("sleep", sleep, "10.79.0.1"), ("reviews-v1", reviewsV1, "10.79.0.2"), ("reviews-v2", reviewsV2, "10.79.0.3") })
            {
                await ns.AttachAsync(node, ip + "/24");

                // The init container: the proxy here runs as root, so root's connections are the ones let through.
                var rules = await ns.ExecAsync([.. Binaries.CommandLine(Binaries.Causeway, "iptables", "--proxy-uid", "0", "--proxy-gid", "0")]);
                Assert.Contains("outbound to 15001", rules, StringComparison.Ordinal);
                if (pod != "sleep")
                {
                    await ns.StartAsync("ready", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "node", "-e", Reviews, pod);
                }

                await ns.StartAsync("applied snapshot", [.. Binaries.CommandLine(Binaries.Causeway, "proxy", "--config", dir.FullName,
                    "--workload", $"{pod}.default", "--capture", "--admin-port", "15000")]);
            }

            // By the Service's ClusterIP, as DNS would give it: v1 for everyone, through both sidecars (the outbound
            // one counts the attempt; the inbound one connects to the application on loopback)
            var reply = await CallReviewsAsync(sleep);
            Assert.Equal("reviews-v1", reply.GetProperty("pod").GetString());
            Assert.Equal("1", reply.GetProperty("attempt").GetString());
            Assert.Equal("127.0.0.1", reply.GetProperty("from").GetString());
            Assert.Equal("reviews-v2", (await CallReviewsAsync(sleep, "jason")).GetProperty("pod").GetString());
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal("reviews-v1", (await CallReviewsAsync(sleep)).GetProperty("pod").GetString());
            }

            // A port no Service declares: passed through the sleep sidecar (PassthroughCluster, ALLOW_ANY) and the
            // reviews-v2 one (InboundPassthroughCluster) to the application, which sees the second proxy connect
            var echo = await AsApplication(sleep, "node", "-e",
                "const c=require('net').connect(7777,'10.79.0.3',()=>c.write('ping'));c.on('data',d=>{process.stdout.write(d.toString());c.end();});");
            Assert.Equal("reviews-v2:ping", echo);

            var outboundStats = await sleep.ExecAsync("curl", "-sS", "http://127.0.0.1:15000/stats");
            Assert.Matches(@"listener\.virtualOutbound\.downstream_cx_total: [1-9]", outboundStats);
            Assert.Matches(@"listener\.outbound_9080\.downstream_cx_total: [1-9]", outboundStats);
            var inboundStats = await reviewsV2.ExecAsync("curl", "-sS", "http://127.0.0.1:15000/stats");
            Assert.Matches(@"listener\.virtualInbound\.downstream_cx_total: [1-9]", inboundStats);
            Assert.Matches(@"listener\.inbound_9080_reviews\.default\.svc\.cluster\.local\.downstream_cx_total: [1-9]", inboundStats);

            // The application's own loopback traffic is not captured (the proxy's admin port answers it directly)
            Assert.Contains("virtualOutbound", await AsApplication(sleep, "curl", "-sS", "http://127.0.0.1:15000/stats"), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static async Task<JsonElement> CallReviewsAsync(NetworkNamespace sleep, string? user = null)
    {
        string[] headers = user is null ? [] : ["-H", $"end-user: {user}"];
        var body = await AsApplication(sleep, ["curl", "-sS", "--max-time", "10", "--resolve", "reviews:9080:10.96.0.42", .. headers, "http://reviews:9080/reviews/0"]);
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task<string> AsApplication(NetworkNamespace ns, params string[] command)
    {
        var (code, stdout, stderr) = await ns.TryExecAsync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", .. command]);
        Assert.True(code == 0, $"{string.Join(' ', command)} exited {code}: {stderr}{stdout}");
        return stdout;
    }
}
