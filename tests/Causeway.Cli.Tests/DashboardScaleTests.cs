using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace Causeway.Cli.Tests;

/// <summary>
/// The page with a generated 200-service mesh (200 ServiceEntries, 400 WorkloadEntries, a VirtualService and a
/// DestinationRule each): every node drawn, none on top of another, and a click answered while the page keeps
/// polling. The bounds are loose on purpose (a slow machine never fails it); the times are printed.
/// </summary>
public sealed class DashboardScaleTests(ITestOutputHelper output)
{
    private const int Services = 200;

    [Fact]
    public async Task A_200_service_mesh_is_drawn_and_stays_responsive()
    {
        var work = Directory.CreateTempSubdirectory("causeway-dashboard-200-");
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "mesh.yaml"), GeneratedMesh());
        var (controlPlane, ready) = await CausewayProcess.StartUntilLineAsync(
            Binaries.StartInfo(Binaries.Causeway, ["control-plane", "--config", work.FullName, "--push-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"]), "dashboard at");
        using var running = controlPlane;
        try
        {
            // "... dashboard at http://127.0.0.1:PORT/dashboard"
            var status = ready[(ready.LastIndexOf("http://", StringComparison.Ordinal))..].Replace("/dashboard", "", StringComparison.Ordinal);
            await using var browser = await DashboardBrowser.OpenAsync($"{status}/dashboard");
            var expected = Services * 3; // each service and its two workloads
            await browser.UntilAsync($"{expected} nodes", async () => (await browser.NodeIdsAsync()).Count >= expected, seconds: 60);
            // from navigation start to the first complete graph on screen, as the page recorded it
            var drawn = await browser.Page.EvaluateAsync<double>("() => +document.body.dataset.firstDrawnMs");

            var positions = await browser.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('g.node')].map(n => n.getAttribute('transform'))");
            Assert.Equal(positions.Length, positions.Distinct().Count()); // no node hides another

            // A click while the page keeps polling: the side panel names the service's VirtualService with file and
            // line. Timed inside the page, from the click to the panel showing it.
            var clicked = await browser.Page.EvaluateAsync<double>("""
                () => new Promise((resolve, reject) => {
                  const start = performance.now();
                  document.querySelector("g.node[data-id='svc:svc-123.scale.svc.cluster.local']").dispatchEvent(new MouseEvent("click", { bubbles: true }));
                  const check = () => {
                    const d = document.getElementById("details");
                    if (d.dataset.id === "svc:svc-123.scale.svc.cluster.local" && d.textContent.includes("mesh.yaml:")) resolve(performance.now() - start);
                    else if (performance.now() - start > 30000) reject(new Error("no details after 30 s"));
                    else requestAnimationFrame(check);
                  };
                  check();
                })
                """);
            Assert.Contains("svc-123", await browser.Page.Locator("#details h2").InnerTextAsync(), StringComparison.Ordinal);

            // One poll's worth of drawing, timed inside the page.
            var redraw = await browser.Page.EvaluateAsync<double>("() => { const t = performance.now(); draw(); drawProblems(); return performance.now() - t; }");
            await browser.ScreenshotAsync("dashboard-200-services");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"200 services: graph drawn {drawn:F0} ms after navigation started, click to details {clicked:F0} ms, one redraw {redraw:F0} ms"));
        }
        finally
        {
            controlPlane.Kill(entireProcessTree: true);
            await controlPlane.WaitForExitAsync();
            work.Delete(true);
        }
    }

    private static string GeneratedMesh()
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < Services; i++)
        {
            var name = $"svc-{i}";
            yaml.Append(CultureInfo.InvariantCulture, $"""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {"{"}name: {name}, namespace: scale{"}"}
                spec:
                  hosts: [{name}.scale.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{"{"}number: 8080, name: http, protocol: HTTP{"}"}]
                  workloadSelector: {"{"}labels: {"{"}app: {name}{"}"}{"}"}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {"{"}name: {name}, namespace: scale{"}"}
                spec:
                  hosts: [{name}.scale.svc.cluster.local]
                  http: [{"{"}route: [{"{"}destination: {"{"}host: {name}.scale.svc.cluster.local, subset: v1{"}"}, weight: 90{"}"}, {"{"}destination: {"{"}host: {name}.scale.svc.cluster.local, subset: v2{"}"}, weight: 10{"}"}]{"}"}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {"{"}name: {name}, namespace: scale{"}"}
                spec:
                  host: {name}.scale.svc.cluster.local
                  subsets: [{"{"}name: v1, labels: {"{"}version: v1{"}"}{"}"}, {"{"}name: v2, labels: {"{"}version: v2{"}"}{"}"}]
                ---

                """);
            for (var v = 1; v <= 2; v++)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"""
                    apiVersion: networking.istio.io/v1
                    kind: WorkloadEntry
                    metadata: {"{"}name: {name}-v{v}, namespace: scale{"}"}
                    spec:
                      address: 127.2.{i / 100}.{(i % 100 * 2) + v}
                      labels: {"{"}app: {name}, version: v{v}{"}"}
                    ---

                    """);
            }
        }

        return yaml.ToString();
    }
}
