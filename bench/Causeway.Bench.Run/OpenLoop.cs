using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Causeway.Bench.Run;

/// <summary>
/// Open-loop load at a fixed rate, as fortio -qps does: request i is due at start + i / rate whether or not earlier
/// ones have answered, and its latency is measured from that due time, so a stall shows as the latency of every
/// request that had to wait (no coordinated omission). Prints one JSON object: percentiles in microseconds.
/// </summary>
internal static class OpenLoop
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Options(args);
        var url = new Uri(options["--url"]);
        var host = options.GetValueOrDefault("--host");
        var rate = int.Parse(options["--rate"], CultureInfo.InvariantCulture);
        var seconds = double.Parse(options["--seconds"], CultureInfo.InvariantCulture);
        var connections = int.Parse(options.GetValueOrDefault("--connections", "32"), CultureInfo.InvariantCulture);
        var total = (int)(rate * seconds);
        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
        })
        { Timeout = TimeSpan.FromSeconds(30) };

        // Warm every connection and the JIT first (all at once, so the pool opens them all), so the first scheduled
        // requests do not pay for connection setup.
        ThreadPool.SetMinThreads(16, 16);
        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
            {
                using var warm = await SendAsync(client, url, host).ConfigureAwait(false);
            })).ConfigureAwait(false);
        }

        var latencies = new long[total];
        var errors = 0;
        var pending = new Task[total];
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = Stopwatch.Frequency / (double)rate;

        // The schedule runs on its own thread, not the pool: a pool thread that sleeps or spins would hold up the
        // completions it is measuring.
        var scheduler = new Thread(() =>
        {
            for (var i = 0; i < total; i++)
            {
                var due = start + (long)(i * ticksPerRequest);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(2))
                {
                    Thread.Sleep(wait - TimeSpan.FromMilliseconds(1));
                }

                while (Stopwatch.GetTimestamp() < due)
                {
                    Thread.Yield(); // not a spin: the backend shares this core and must run meanwhile
                }

                pending[i] = Fire(i, due);
            }
        }) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
        scheduler.Start();
        scheduler.Join();

        async Task Fire(int index, long due)
        {
            try
            {
                using var response = await SendAsync(client, url, host).ConfigureAwait(false);
                if ((int)response.StatusCode >= 400)
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref errors);
            }
            catch (TaskCanceledException)
            {
                Interlocked.Increment(ref errors);
            }

            latencies[index] = (long)Stopwatch.GetElapsedTime(due).TotalMicroseconds;
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(latencies);
        long At(double q) => latencies[Math.Min(total - 1, (int)Math.Ceiling(q * total) - 1)];
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            rate,
            requests = total,
            errors,
            achieved_rps = Math.Round(total / elapsed),
            p50_us = At(0.50),
            p90_us = At(0.90),
            p99_us = At(0.99),
            p999_us = At(0.999),
            max_us = latencies[^1],
        }));
        return errors == 0 ? 0 : 1;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, Uri url, string? host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
    }

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        return options;
    }
}
