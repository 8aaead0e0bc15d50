using System.Collections.Concurrent;
using Causeway.ControlPlane.Push;

namespace Causeway.ControlPlane.Dashboard;

/// <summary>What the dashboard last learnt from one proxy's admin port.</summary>
public sealed class ScrapedProxy(TimeSpan window)
{
    public TrafficWindow Traffic { get; } = new(window);

    public IReadOnlyList<EndpointView> Endpoints { get; set; } = [];

    /// <summary>Why the last scrape failed; empty when it worked.</summary>
    public string Error { get; set; } = "";
}

/// <summary>
/// Reads every connected proxy's Istio metrics (/stats/prometheus) and endpoint health (/clusters) from the admin
/// address it gave in its Hello, as Prometheus and Kiali would. Scraping runs only while someone looks: each API
/// call of the dashboard keeps it going for a minute, so a control plane serving thousands of proxies does no work
/// for a page nobody has open. At most 16 proxies are read at once, each with a short timeout.
/// </summary>
public sealed class ProxyScraper : IAsyncDisposable
{
    private static readonly TimeSpan KeepScrapingAfterLastView = TimeSpan.FromMinutes(1);
    private readonly Func<IReadOnlyCollection<ProxyStream>> proxies;
    private readonly TimeSpan interval;
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(1) }) { Timeout = TimeSpan.FromSeconds(2) };
    private readonly ConcurrentDictionary<string, ScrapedProxy> scraped = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly Task loop;
    private long lastViewedTicks;

    public ProxyScraper(Func<IReadOnlyCollection<ProxyStream>> proxies, TimeSpan interval, TimeSpan window)
    {
        this.proxies = proxies;
        this.interval = interval;
        Window = window;
        loop = Task.Run(RunAsync);
    }

    public TimeSpan Window { get; }

    /// <summary>By proxy id ("sidecar name.ns"), the proxies scraped at least once and still connected.</summary>
    public IReadOnlyDictionary<string, ScrapedProxy> Proxies => scraped;

    /// <summary>Someone is looking: scrape now if idle, and keep scraping for a while.</summary>
    public void Viewed()
    {
        var before = Interlocked.Exchange(ref lastViewedTicks, DateTimeOffset.UtcNow.UtcTicks);
        if (DateTimeOffset.UtcNow.UtcTicks - before > KeepScrapingAfterLastView.Ticks)
        {
            wake.Release();
        }
    }

    /// <summary>The rates of every edge over the window, summed over all proxies.</summary>
    public Dictionary<EdgeKey, EdgeRate> Rates()
    {
        var rates = new Dictionary<EdgeKey, EdgeRate>();
        foreach (var p in scraped.Values)
        {
            p.Traffic.AddRatesTo(rates);
        }

        return rates;
    }

    private bool Active => DateTimeOffset.UtcNow.UtcTicks - Interlocked.Read(ref lastViewedTicks) < KeepScrapingAfterLastView.Ticks;

    private async Task RunAsync()
    {
        using var gate = new SemaphoreSlim(16);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!Active)
                {
                    await wake.WaitAsync(stop.Token).ConfigureAwait(false);
                    continue;
                }

                var connected = proxies().Where(p => p.Hello.AdminAddress.Length > 0).ToList();
                foreach (var gone in scraped.Keys.Except(connected.Select(p => p.Id), StringComparer.Ordinal).ToList())
                {
                    scraped.TryRemove(gone, out _);
                }

                await Task.WhenAll(connected.Select(async p =>
                {
                    await gate.WaitAsync(stop.Token).ConfigureAwait(false);
                    try
                    {
                        await ScrapeAsync(p).ConfigureAwait(false);
                    }
                    finally
                    {
                        gate.Release();
                    }
                })).ConfigureAwait(false);
                await Task.Delay(interval, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task ScrapeAsync(ProxyStream proxy)
    {
        var state = scraped.GetOrAdd(proxy.Id, _ => new ScrapedProxy(Window));
        try
        {
            var admin = $"http://{proxy.Hello.AdminAddress}";
            var metrics = await http.GetStringAsync(admin + "/stats/prometheus", stop.Token).ConfigureAwait(false);
            var at = DateTimeOffset.UtcNow;
            var clusters = await http.GetStringAsync(admin + "/clusters", stop.Token).ConfigureAwait(false);
            state.Traffic.Add(at, TrafficCounters.FromExposition(metrics));
            state.Endpoints = ClusterHealth.Parse(clusters);
            state.Error = "";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stop.IsCancellationRequested)
        {
            state.Error = $"admin {proxy.Hello.AdminAddress} unreachable: {ex.Message}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
        wake.Dispose();
        http.Dispose();
    }
}
