using System.Globalization;

namespace Causeway.Cli.Tests;

/// <summary>
/// The dashboard in a real browser against `causeway demo --load` (real proxies, real traffic): every Bookinfo
/// workload is drawn, the reviews edges split as the active VirtualService says, a fault-injected route shows its
/// error rate and the flag's meaning, and an invalid config file shows its IST message beside its service.
/// </summary>
[Collection(BookinfoAddresses.Name)]
public sealed class DashboardTests
{
    private const string Reviews = "svc:reviews.bookinfo.svc.cluster.local";
    private const string Ratings = "svc:ratings.bookinfo.svc.cluster.local";

    [Fact]
    public async Task The_demo_mesh_shows_its_workloads_the_reviews_split_a_fault_and_a_config_error()
    {
        var work = Directory.CreateTempSubdirectory("causeway-dashboard-test-");
        var config = Path.Combine(work.FullName, "mesh");
        using var demo = await CausewayProcess.StartUntilAsync(
            Binaries.StartInfo(Binaries.Causeway, ["demo", "--dir", config, "--load", "--load-rate", "10"], work.FullName), "mesh ready");
        try
        {
            await using var browser = await DashboardBrowser.OpenAsync("http://127.0.0.1:15014/dashboard");

            // Every Bookinfo workload, its gateway and its services are drawn.
            string[] expected =
            [
                "wl:bookinfo/ingressgateway", "wl:bookinfo/productpage-v1", "wl:bookinfo/details-v1", "wl:bookinfo/reviews-v1",
                "wl:bookinfo/reviews-v2", "wl:bookinfo/reviews-v3", "wl:bookinfo/ratings-v1", Reviews, Ratings,
            ];
            await browser.UntilAsync("every Bookinfo workload", async () => expected.All((await browser.NodeIdsAsync()).Contains));
            Assert.Equal("gateway", await browser.Page.Locator("g.node[data-id='wl:bookinfo/ingressgateway']").GetAttributeAsync("data-kind"));
            // The demo's load reaches productpage through the gateway, and reviews v1 only (reviews.yaml: all to v1).
            await browser.UntilAsync("traffic from the gateway", async () => (await browser.EdgeAsync("wl:bookinfo/ingressgateway", "svc:productpage.bookinfo.svc.cluster.local"))?.Rps > 0);
            await browser.UntilAsync("reviews v1 carrying traffic", async () => (await browser.EdgeAsync(Reviews, "wl:bookinfo/reviews-v1"))?.Rps > 0);
            Assert.Equal(0, (await browser.EdgeAsync(Reviews, "wl:bookinfo/reviews-v3"))!.Value.Rps);
            await browser.ScreenshotAsync("dashboard-1-bookinfo");

            // Traffic shifting (istio.io): 50% to v3. Once the 10 s window holds only the new config, each side carries
            // about half (80+ requests: 30-70% is over four standard deviations), and v2 none.
            Copy(config, "reviews-50-v3.yaml", "reviews.yaml");
            await browser.UntilAsync("reviews split 50/50 between v1 and v3", async () =>
            {
                var v1 = (await browser.EdgeAsync(Reviews, "wl:bookinfo/reviews-v1"))?.Rps ?? 0;
                var v3 = (await browser.EdgeAsync(Reviews, "wl:bookinfo/reviews-v3"))?.Rps ?? 0;
                var v2 = (await browser.EdgeAsync(Reviews, "wl:bookinfo/reviews-v2"))?.Rps ?? 0;
                return v3 > 0 && v2 == 0 && v3 / (v1 + v3) is > 0.3 and < 0.7;
            }, seconds: 60);
            await browser.ScreenshotAsync("dashboard-2-reviews-50-v3");

            // Fault injection (istio.io): jason goes to reviews v2, whose calls to ratings are aborted with 500.
            Copy(config, "reviews-jason-v2.yaml", "reviews.yaml");
            Copy(config, "ratings-abort-jason.yaml", "ratings.yaml");
            await browser.UntilAsync("the aborted ratings calls as errors", async () =>
                (await browser.EdgeAsync("wl:bookinfo/reviews-v2", Ratings)) is { Rps: > 0, ErrorRate: > 0.9 } e && e.Class.Contains("bad", StringComparison.Ordinal) && e.Label.Contains("% err", StringComparison.Ordinal), seconds: 60);
            await browser.Page.Locator($"g.node[data-id='{Ratings}']").ClickAsync();
            var fi = browser.Page.Locator("#details li.flag-row[data-flag='FI']");
            await browser.UntilAsync("the FI flag explained on ratings", async () => await fi.CountAsync() > 0);
            Assert.Contains("Fault injected", await fi.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("ratings.yaml", await browser.Page.Locator("#details").InnerTextAsync(), StringComparison.Ordinal); // the VirtualService's file:line
            await browser.ScreenshotAsync("dashboard-3-fault-on-ratings");

            // An invalid file: a schema error (its resource is rejected) and a VirtualService naming a subset no
            // DestinationRule defines (IST0101 from the analyzer); both listed with file:line, the latter on reviews.
            await File.WriteAllTextAsync(Path.Combine(config, "broken.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews-canary, namespace: bookinfo}
                spec:
                  hosts: [reviews-canary.bookinfo.svc.cluster.local]
                  http: [{route: [{destination: {host: reviews, subset: v1}, weight: "abc"}]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews-v9, namespace: bookinfo}
                spec:
                  hosts: [reviews-v9.bookinfo.svc.cluster.local]
                  http: [{route: [{destination: {host: reviews, subset: v9}}]}]
                """);
            var schema = browser.Page.Locator("#problem-list li.problem[data-code='IST0106']");
            var missing = browser.Page.Locator("#problem-list li.problem[data-code='IST0101']");
            await browser.UntilAsync("IST0106 and IST0101 in the problem list", async () => await schema.CountAsync() > 0 && await missing.CountAsync() > 0);
            Assert.Contains("broken.yaml:6", await schema.First.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("weight", await schema.First.InnerTextAsync(), StringComparison.Ordinal);
            var subset = await missing.Filter(new() { HasText = "v9" }).First.InnerTextAsync();
            Assert.Contains("broken.yaml", subset, StringComparison.Ordinal);
            Assert.Contains("reviews", subset, StringComparison.Ordinal); // placed on the reviews node
            Assert.True(int.Parse(await browser.Page.Locator($"g.node[data-id='{Reviews}']").GetAttributeAsync("data-problems") ?? "0", CultureInfo.InvariantCulture) > 0);
            await browser.ScreenshotAsync("dashboard-4-config-errors");
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
                await demo.WaitForExitAsync();
            }

            work.Delete(true);
        }
    }

    private static void Copy(string config, string experiment, string target)
    {
        var path = Path.Combine(config, target);
        File.Copy(Path.Combine(config + "-try", experiment), path, overwrite: true);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
    }
}
