using System.Diagnostics;
using System.Text.Json;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Peers that are not ours: @grpc/grpc-js client and server (Node.js), and curl, with the Causeway proxy between
/// them, so protocol handling is checked against independent implementations.
/// </summary>
public sealed class IndependentPeerTests
{
    [Fact]
    public async Task Grpc_js_client_to_grpc_js_server_through_the_proxy_passes_replies_and_status()
    {
        NodeInterop.AssertInstalled();
        var serverPort = FreePort.Next();
        using var server = await NodeInterop.StartAsync("grpc-server.js", "listening", serverPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "echo-v1");
        try
        {
            var yaml = $$"""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo, namespace: default}
                spec:
                  hosts: [echo.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9090, name: grpc, protocol: GRPC}]
                  endpoints:
                  - address: 127.0.0.1
                    ports:
                      grpc: {{serverPort}}
                """ + "\n" + MeshYaml.Client();
            await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, "client", "default", 9090);
            var output = await NodeInterop.RunAsync("grpc-client.js", $"127.0.0.1:{proxy.Port(9090)}", "echo:9090");
            var result = JsonDocument.Parse(output).RootElement;
            Assert.Equal("echo-v1: hello", result.GetProperty("say").GetProperty("message").GetString());
            Assert.Equal("echo:9090", result.GetProperty("say").GetProperty("authority").GetString());
            Assert.Equal(14, result.GetProperty("fail").GetProperty("code").GetInt32()); // UNAVAILABLE passed through
            Assert.Equal("try elsewhere", result.GetProperty("fail").GetProperty("details").GetString());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Curl_over_http_1_1_and_h2c_prior_knowledge()
    {
        await using var backend = await Backend.StartAsync("b");
        await using var proxy = await ProxyUnderTest.SidecarAsync(MeshYaml.Service("web", "default", [(backend, "v1")]) + MeshYaml.Client(), "client", "default", 9080);
        foreach (var flags in new[] { "--http1.1", "--http2-prior-knowledge" })
        {
            var psi = new ProcessStartInfo("curl") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-s", flags, "-H", "Host: web", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", proxy.Url(9080, "/curl") })
            {
                psi.ArgumentList.Add(a);
            }

            using var curl = Process.Start(psi)!;
            var output = await curl.StandardOutput.ReadToEndAsync();
            await curl.WaitForExitAsync();
            Assert.Equal(flags == "--http1.1" ? "200 1.1" : "200 2", output);
        }
    }
}
