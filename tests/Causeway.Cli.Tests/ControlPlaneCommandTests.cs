using System.Diagnostics;
using System.Text.Json;

namespace Causeway.Cli.Tests;

/// <summary>
/// The real binaries as a user runs them: `causeway control-plane`, a `causeway proxy --control-plane`, then
/// `causeway status` and `causeway proxy-config` against them.
/// </summary>
[Collection(BookinfoAddresses.Name)]
public sealed class ControlPlaneCommandTests
{
    [Fact]
    public async Task Status_and_proxy_config_show_a_connected_proxy_and_what_it_holds()
    {
        var push = CausewayProcess.FreePort();
        var status = CausewayProcess.FreePort();
        using var cp = await StartAsync(Binaries.Causeway, "connect to", "control-plane", "--config", "samples/bookinfo", "--push-address", $"127.0.0.1:{push}", "--status-address", $"127.0.0.1:{status}");
        using var proxy = await StartAsync(Binaries.Proxy, "applied snapshot", "--control-plane", $"http://127.0.0.1:{push}", "--workload", "productpage-v1.bookinfo", "--admin-port", "0");
        try
        {
            var (code, json, _) = CausewayProcess.Run($"status --control-plane http://127.0.0.1:{status} -o json");
            Assert.Equal(0, code);
            var proxies = JsonDocument.Parse(json).RootElement.GetProperty("proxies");
            var entry = Assert.Single(proxies.EnumerateArray());
            Assert.Equal("sidecar productpage-v1.bookinfo", entry.GetProperty("proxy").GetString());

            (code, var table, _) = CausewayProcess.Run($"status --control-plane http://127.0.0.1:{status}");
            Assert.Contains("sidecar productpage-v1.bookinfo", table, StringComparison.Ordinal);

            (code, var routes, var err) = CausewayProcess.Run($"proxy-config routes productpage-v1.bookinfo --control-plane http://127.0.0.1:{status}");
            Assert.True(code == 0, err);
            Assert.Contains("header end-user", routes, StringComparison.Ordinal); // virtual-service-reviews-test-v2 in the sample
            Assert.Contains("outbound|9080|v2|reviews.bookinfo.svc.cluster.local", routes, StringComparison.Ordinal);

            (code, var endpoints, _) = CausewayProcess.Run($"proxy-config endpoints productpage-v1.bookinfo --control-plane http://127.0.0.1:{status}");
            Assert.Contains("bookinfo/reviews-v2", endpoints, StringComparison.Ordinal);

            // explain: jason's request takes the header route to v2, from the sample's VirtualService and file.
            (code, var jason, err) = CausewayProcess.Run($"explain productpage-v1.bookinfo --url http://reviews:9080/reviews/1 -H \"end-user: jason\" --control-plane http://127.0.0.1:{status}");
            Assert.True(code == 0, err);
            Assert.Contains("from VirtualService bookinfo/reviews http[0]", jason, StringComparison.Ordinal);
            Assert.Contains("virtual-services.yaml", jason, StringComparison.Ordinal);
            Assert.Contains("destination outbound|9080|v2|reviews.bookinfo.svc.cluster.local weight 100", jason, StringComparison.Ordinal);
            Assert.Contains("bookinfo/reviews-v2", jason, StringComparison.Ordinal);
            (_, var nowhere, _) = CausewayProcess.Run($"explain productpage-v1.bookinfo --url http://nowhere:9080/ --control-plane http://127.0.0.1:{status}");
            Assert.Contains("404 NR: no virtual host", nowhere, StringComparison.Ordinal);
        }
        finally
        {
            proxy.Kill(entireProcessTree: true);
            cp.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task A_control_plane_requiring_tokens_serves_a_proxy_with_its_token_and_turns_away_one_with_another_workloads()
    {
        var dir = Directory.CreateTempSubdirectory("causeway-token-");
        try
        {
            var key = Path.Combine(dir.FullName, "token.key");
            var push = CausewayProcess.FreePort();
            var status = CausewayProcess.FreePort();
            using var cp = await StartAsync(Binaries.Causeway, "connect to", "control-plane", "--config", "samples/bookinfo", "--push-address", $"127.0.0.1:{push}",
                "--status-address", $"127.0.0.1:{status}", "--token-key", key, "--require-token");
            Assert.True(File.Exists(key)); // made on first use
            Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(key) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));

            var (code, token, err) = CausewayProcess.Run($"token --key {key} --role sidecar --workload productpage-v1.bookinfo");
            Assert.True(code == 0, err);
            var tokenFile = Path.Combine(dir.FullName, "productpage.token");
            await File.WriteAllTextAsync(tokenFile, token);
            using var proxy = await StartAsync(Binaries.Proxy, "applied snapshot", "--control-plane", $"http://127.0.0.1:{push}", "--workload", "productpage-v1.bookinfo", "--admin-port", "0", "--token-file", tokenFile);
            using var impostor = await StartAsync(Binaries.Proxy, "refused: the token is for sidecar productpage-v1.bookinfo, not sidecar reviews-v1.bookinfo",
                "--control-plane", $"http://127.0.0.1:{push}", "--workload", "reviews-v1.bookinfo", "--admin-port", "0", "--token-file", tokenFile);
            try
            {
                (code, var table, _) = CausewayProcess.Run($"status --control-plane http://127.0.0.1:{status}");
                Assert.Equal(0, code);
                Assert.Matches(@"sidecar productpage-v1\.bookinfo\s.*SYNCED\s+yes", table);
                Assert.DoesNotContain("reviews-v1", table, StringComparison.Ordinal);
            }
            finally
            {
                impostor.Kill(entireProcessTree: true);
                proxy.Kill(entireProcessTree: true);
                cp.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Explain_says_what_a_response_flag_means_and_where_to_look()
    {
        var (code, stdout, _) = CausewayProcess.Run("explain --flag UO");
        Assert.Equal(0, code);
        Assert.Contains("circuit breaker", stdout, StringComparison.Ordinal);
        Assert.Contains("connectionPool", stdout, StringComparison.Ordinal);
        (code, stdout, _) = CausewayProcess.Run("explain --flag XYZ");
        Assert.Equal(1, code);
        Assert.Contains("Known: NR, NC, UH", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Proxy_needs_exactly_one_config_source()
    {
        var (code, _, stderr) = CausewayProcess.Run("proxy --workload a.b");
        Assert.Equal(2, code);
        Assert.Contains("--config DIR", stderr, StringComparison.Ordinal);
    }

    private static Task<Process> StartAsync(string binary, string ready, params string[] args) =>
        CausewayProcess.StartUntilAsync(Binaries.StartInfo(binary, args), ready);
}
