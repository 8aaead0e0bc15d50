using System.Globalization;

namespace Causeway.Cli.Local;

/// <summary>
/// The demo's built-in traffic (<c>causeway demo --load</c>): a steady few requests a second to the ingress
/// gateway's /productpage, every third one signed in as jason, so the dashboard's graph moves and the try/ files
/// (jason to reviews v2, faults for jason) show on it. Paced, one request at a time: it never loads the machine.
/// </summary>
internal sealed class DemoLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public DemoLoad(Uri productPage, double requestsPerSecond)
    {
        var interval = TimeSpan.FromSeconds(1 / Math.Clamp(requestsPerSecond, 0.1, 100));
        loop = RunAsync(productPage, interval, stop.Token);
    }

    public long Sent { get; private set; }

    private async Task RunAsync(Uri url, TimeSpan interval, CancellationToken cancel)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancel).ConfigureAwait(false))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                if (Sent % 3 == 2)
                {
                    request.Headers.Add("end-user", "jason");
                }

                request.Headers.Add("x-request-source", "causeway-demo-load-" + Sent.ToString(CultureInfo.InvariantCulture));
                Sent++;
                try
                {
                    using var response = await http.SendAsync(request, cancel).ConfigureAwait(false);
                    await response.Content.LoadIntoBufferAsync(cancel).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
                {
                    // a failing mesh is what the dashboard is there to show; keep sending
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        stop.Dispose();
    }
}
