using System.Diagnostics;
using System.Net;

namespace Causeway.Cli.Tests;

/// <summary>
/// `causeway demo` as a newcomer runs it, replaying the istio.io tasks against it: request routing (jason sees
/// black stars), traffic shifting (50/50 red stars within ±10 per 100) and fault injection (the 7 s ratings delay for
/// jason makes productpage give up on reviews after about 6 s); then Ctrl-C stops everything cleanly.
/// </summary>
[Collection(BookinfoAddresses.Name)]
public sealed class DemoTests
{
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task The_demo_replays_request_routing_traffic_shifting_and_fault_injection()
    {
        var work = Directory.CreateTempSubdirectory("causeway-demo-test-");
        var config = Path.Combine(work.FullName, "mesh");
        using var demo = Process.Start(Binaries.StartInfo(Binaries.Causeway, ["demo", "--dir", config], work.FullName))!;
        var output = new List<string>();
        try
        {
            using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await demo.StandardOutput.ReadLineAsync(ready.Token) is { } line)
            {
                output.Add(line);
                if (line.StartsWith("mesh ready", StringComparison.Ordinal))
                {
                    break;
                }
            }

            // Checked before the drain below starts adding to the list: enumerating it while another thread adds fails.
            Assert.Contains(output, l => l.StartsWith("mesh ready: 7 proxies", StringComparison.Ordinal));
            var drain = Task.Run(async () =>
            {
                while (await demo.StandardOutput.ReadLineAsync() is { } line)
                {
                    lock (output)
                    {
                        output.Add(line);
                    }
                }
            });

            // Everyone starts on reviews v1: no stars.
            var page = await Page();
            Assert.Contains("Book Details", page, StringComparison.Ordinal);
            Assert.Contains("Reviews served by: reviews-v1", page, StringComparison.Ordinal);
            Assert.DoesNotContain("stars", page, StringComparison.Ordinal);

            // Request routing: jason gets v2 (black stars), others stay on v1.
            Copy(config, "reviews-jason-v2.yaml", "reviews.yaml");
            await Until(async () => (await Page("jason")).Contains("stars black", StringComparison.Ordinal));
            Assert.Contains("Reviews served by: reviews-v1", await Page(), StringComparison.Ordinal);

            // Traffic shifting: 50/50 between v1 and v3 (red stars).
            Copy(config, "reviews-50-v3.yaml", "reviews.yaml");
            await Until(async () => (await Page()).Contains("stars red", StringComparison.Ordinal));
            // ±10 per 100 over 400 requests (160-240) is four standard deviations: a fair split never fails it by chance.
            var red = 0;
            for (var i = 0; i < 400; i++)
            {
                red += (await Page()).Contains("stars red", StringComparison.Ordinal) ? 1 : 0;
            }

            Assert.InRange(red, 160, 240);

            // Fault injection: a 7 s delay on ratings for jason; productpage gives up on reviews after ~6 s (3 s x 2 tries).
            Copy(config, "reviews-jason-v2.yaml", "reviews.yaml");
            Copy(config, "ratings-delay-jason.yaml", "ratings.yaml");
            await Until(async () =>
            {
                var watch = Stopwatch.StartNew();
                var slow = await Page("jason");
                return slow.Contains("product reviews are currently unavailable", StringComparison.Ordinal) && watch.Elapsed >= TimeSpan.FromSeconds(5.5);
            });
            var quick = Stopwatch.StartNew();
            Assert.Contains("Reviews served by: reviews-v1", await Page("mary"), StringComparison.Ordinal); // others are not delayed
            Assert.True(quick.Elapsed < TimeSpan.FromSeconds(3), $"mary waited {quick.Elapsed}");

            // Ctrl-C stops the applications, the proxies and the control plane.
            using (var kill = Process.Start("kill", ["-INT", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync();
            }

            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await demo.WaitForExitAsync(exit.Token);
            await drain;
            Assert.Equal(130, demo.ExitCode); // 128 + SIGINT, the shell convention for Ctrl-C
            Assert.Contains(output, l => l.Contains("stopping the mesh", StringComparison.Ordinal));
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
            }

            work.Delete(true);
        }
    }

    private async Task<string> Page(string? user = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:8080/productpage");
        if (user is not null)
        {
            request.Headers.Add("end-user", user);
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        // Who answered and why, should it ever not be 200: the proxy's flags and details come back in the body.
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {response.Headers} {body}");
        return body;
    }

    private static void Copy(string config, string experiment, string target)
    {
        var path = Path.Combine(config, target);
        File.Copy(Path.Combine(config + "-try", experiment), path, overwrite: true);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 60; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail("the demo did not reach the expected state within 15 s");
    }
}
