using System.Text.Json;
using Microsoft.Playwright;

namespace Causeway.Cli.Tests;

/// <summary>
/// A headless Debian chromium (/usr/bin/chromium, installed by .ci/run) driven by Playwright, with helpers to read
/// what the dashboard drew: edges and nodes carry their numbers in data- attributes. Screenshots go to
/// .artifacts/test-results/screenshots, kept with the test results.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        this.playwright = playwright;
        this.browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    public static string ScreenshotDirectory { get; } = Path.Combine(CausewayProcess.RepoRoot, ".artifacts", "test-results", "screenshots");

    public static async Task<DashboardBrowser> OpenAsync(string url)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (.ci/run installs it)");
        var playwright = await Playwright.CreateAsync();
        // root in a container: chromium's sandbox needs user namespaces it may not get
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        await page.GotoAsync(url);
        return new DashboardBrowser(playwright, browser, page);
    }

    /// <summary>The drawn edge's requests per second and error rate; null while it is not drawn.</summary>
    public async Task<(double Rps, double ErrorRate, string Class, string Label)?> EdgeAsync(string from, string to)
    {
        var found = await Page.EvaluateAsync<JsonElement>(
            """
            ([from, to]) => {
              const e = [...document.querySelectorAll("g.edge")].find(g => g.dataset.from === from && g.dataset.to === to);
              return e ? { rps: +e.dataset.rps, err: +e.dataset.errorRate, cls: e.getAttribute("class"), label: e.querySelector("text")?.textContent ?? "" } : null;
            }
            """, new[] { from, to });
        return found.ValueKind == JsonValueKind.Null
            ? null
            : (found.GetProperty("rps").GetDouble(), found.GetProperty("err").GetDouble(), found.GetProperty("cls").GetString()!, found.GetProperty("label").GetString()!);
    }

    public async Task<IReadOnlyList<string>> NodeIdsAsync() =>
        await Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('g.node')].map(n => n.dataset.id)");

    /// <summary>Waits (polling the page) until <paramref name="condition"/> holds; fails with <paramref name="what"/> and a screenshot otherwise.</summary>
    public async Task UntilAsync(string what, Func<Task<bool>> condition, int seconds = 40)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(500);
        }

        var shot = await ScreenshotAsync("failed-" + string.Concat(what.Where(char.IsLetterOrDigit)));
        Assert.Fail($"the dashboard did not show {what} within {seconds} s (screenshot {shot})");
    }

    public async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
