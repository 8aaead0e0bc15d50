using System.Text.Json;

namespace Causeway.Cli.Tests;

/// <summary>
/// The real <c>causeway proxy</c> behind iptables capture, in a network namespace of its own: the application's
/// connections (uid 65534 here, as Istio captures every uid but the proxy's) are redirected to the proxy, which
/// reads the original destination (SO_ORIGINAL_DST) for clusters that go there instead of to listed endpoints:
/// Istio's ServiceEntry resolution NONE and DestinationRule loadBalancer PASSTHROUGH (Envoy's ORIGINAL_DST cluster).
/// </summary>
public sealed class TransparentCaptureTests
{
    private const string Mesh = """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: app, namespace: default}
        spec: {address: 127.0.0.1, labels: {app: app}}
        ---
        # resolution NONE: no endpoints; traffic goes where the application sent it.
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: legacy, namespace: default}
        spec:
          hosts: [legacy.internal]
          location: MESH_EXTERNAL
          resolution: NONE
          ports: [{number: 8080, name: http, protocol: HTTP}, {number: 5000, name: tcp, protocol: TCP}]
        ---
        # STATIC with an endpoint that does not exist: PASSTHROUGH must ignore it.
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: pinned, namespace: default}
        spec:
          hosts: [pinned.internal]
          location: MESH_EXTERNAL
          resolution: STATIC
          endpoints: [{address: 10.77.0.99}]
          ports: [{number: 8080, name: http, protocol: HTTP}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: pinned, namespace: default}
        spec:
          host: pinned.internal
          trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}
        """;

    /// <summary>HTTP on 8080 answers with where it was reached and the proxy's headers; TCP on 5000 echoes with its address.</summary>
    private const string Backend = """
        const http = require('http'), net = require('net');
        for (const a of ['10.77.0.1', '10.77.0.2']) {
          http.createServer((q, s) => s.end(JSON.stringify({ at: q.socket.localAddress, url: q.url, attempt: q.headers['x-envoy-attempt-count'] || null })))
            .listen(8080, a);
          net.createServer(c => c.on('data', d => c.write(a + ':' + d))).listen(5000, a);
        }
        setTimeout(() => console.log('ready'), 200);
        """;

    [Fact]
    public async Task Captured_connections_reach_their_original_destination_through_the_proxy()
    {
        await using var ns = await NetworkNamespace.CreateAsync("10.77.0.1", "10.77.0.2");
        var dir = Directory.CreateTempSubdirectory("causeway-capture-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "mesh.yaml"), Mesh);
            await ns.StartAsync("ready", "node", "-e", Backend);
            await ns.StartAsync("applied snapshot", [.. Binaries.CommandLine(Binaries.Causeway, "proxy", "--config", dir.FullName,
                "--workload", "app.default", "--port-map", "8080=15080", "--port-map", "5000=15500")]);

            // Istio's outbound capture, narrowed to the application's uid so the proxy's own connections go out as they are.
            await ns.ExecAsync("iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-m", "owner", "--uid-owner", "65534", "--dport", "8080", "-j", "REDIRECT", "--to-ports", "15080");
            await ns.ExecAsync("iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-m", "owner", "--uid-owner", "65534", "--dport", "5000", "-j", "REDIRECT", "--to-ports", "15500");

            // resolution NONE: each address the application dials is where the request goes, through the proxy.
            foreach (var address in new[] { "10.77.0.1", "10.77.0.2" })
            {
                var reply = JsonDocument.Parse(await AsApplication(ns, "curl", "-sS", "-H", "Host: legacy.internal", $"http://{address}:8080/hello")).RootElement;
                Assert.Equal(address, reply.GetProperty("at").GetString());
                Assert.Equal("/hello", reply.GetProperty("url").GetString());
                Assert.Equal("1", reply.GetProperty("attempt").GetString()); // set by the proxy: the request went through it
            }

            // PASSTHROUGH: the listed endpoint (10.77.0.99) is not used; the dialled address is.
            var pinned = JsonDocument.Parse(await AsApplication(ns, "curl", "-sS", "-H", "Host: pinned.internal", "http://10.77.0.2:8080/p")).RootElement;
            Assert.Equal("10.77.0.2", pinned.GetProperty("at").GetString());

            // Opaque TCP to a resolution NONE port is relayed to the original destination too.
            var echo = await AsApplication(ns, "node", "-e",
                "const c=require('net').connect(5000,'10.77.0.1',()=>c.write('ping'));c.on('data',d=>{process.stdout.write(d.toString());c.end();});");
            Assert.Equal("10.77.0.1:ping", echo);

            // Straight to the proxy's port, not redirected: there is no original destination, and Envoy's answer is 503.
            var direct = await ns.ExecAsync("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: legacy.internal", "http://127.0.0.1:15080/");
            Assert.Equal("503", direct);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task Allow_any_passes_unknown_hosts_to_where_the_application_sent_them_and_registry_only_blocks_them()
    {
        // istio.io "Accessing External Services": with ALLOW_ANY (the default) a host the mesh does not know goes to
        // the address dialled (PassthroughCluster); with REGISTRY_ONLY plain HTTP gets 502 (block_all) while a
        // ServiceEntry's host still works.
        const string known = """
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: app, namespace: default}
            spec: {address: 127.0.0.1, labels: {app: app}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: known, namespace: default}
            spec:
              hosts: [known.internal]
              location: MESH_EXTERNAL
              resolution: STATIC
              endpoints: [{address: 10.77.0.2}]
              ports: [{number: 8080, name: http, protocol: HTTP}]
            """;
        foreach (var (mode, unknown) in new[] { ("ALLOW_ANY", "200 10.77.0.1"), ("REGISTRY_ONLY", "502 ") })
        {
            await using var ns = await NetworkNamespace.CreateAsync("10.77.0.1", "10.77.0.2");
            var dir = Directory.CreateTempSubdirectory("causeway-egress-");
            try
            {
                await File.WriteAllTextAsync(Path.Combine(dir.FullName, "mesh.yaml"), known);
                var meshConfig = Path.Combine(Path.GetTempPath(), $"causeway-meshconfig-{Guid.NewGuid():N}.yaml");
                await File.WriteAllTextAsync(meshConfig, $"outboundTrafficPolicy:\n  mode: {mode}\n");
                await ns.StartAsync("ready", "node", "-e", Backend);
                await ns.StartAsync("applied snapshot", [.. Binaries.CommandLine(Binaries.Causeway, "proxy", "--config", dir.FullName,
                    "--workload", "app.default", "--port-map", "8080=15080", "--mesh-config", meshConfig)]);
                await ns.ExecAsync("iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-m", "owner", "--uid-owner", "65534", "--dport", "8080", "-j", "REDIRECT", "--to-ports", "15080");

                var body = Path.Combine(dir.FullName, "body");
                await ns.ExecAsync("chmod", "777", dir.FullName);
                var reply = await AsApplication(ns, "curl", "-sS", "-o", body, "-w", "%{http_code}", "-H", "Host: httpbin.org", "http://10.77.0.1:8080/status");
                var at = reply == "200" ? JsonDocument.Parse(await File.ReadAllTextAsync(body)).RootElement.GetProperty("at").GetString() : "";
                Assert.Equal(unknown, $"{reply} {at}");

                // The registered host is routed by the mesh in both modes: to its endpoint, whatever was dialled.
                var registered = JsonDocument.Parse(await AsApplication(ns, "curl", "-sS", "-H", "Host: known.internal", "http://10.77.0.1:8080/k")).RootElement;
                Assert.Equal("10.77.0.2", registered.GetProperty("at").GetString());
                File.Delete(meshConfig);
            }
            finally
            {
                dir.Delete(true);
            }
        }
    }

    private static async Task<string> AsApplication(NetworkNamespace ns, params string[] command)
    {
        var (code, stdout, stderr) = await ns.TryExecAsync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", .. command]);
        Assert.True(code == 0, $"{string.Join(' ', command)} exited {code}: {stderr}");
        return stdout;
    }
}
