using System.Net;
using Causeway.Proxy.Tests.Support;
using Xunit.Abstractions;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Three backends under steady load through the proxy; one is killed and later restarted on the same port. With
/// retries (connect-failure, reset, 5xx on another host) and outlier detection, the client sees no failed request.
/// Bounded in time and count; loopback only.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_and_restarting_a_backend_under_load_fails_no_request()
    {
        var a = await Backend.StartAsync("a");
        var b = await Backend.StartAsync("b");
        var c = await Backend.StartAsync("c");
        var bPort = b.Http1Port;
        var yaml = MeshYaml.Service("reviews", "default", [(a, "v1"), (b, "v2"), (c, "v3")]) + MeshYaml.Client() + """
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews]
              http:
              - retries: {attempts: 3, retryOn: "connect-failure,reset,5xx"}
                route: [{destination: {host: reviews}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: default}
            spec:
              host: reviews
              trafficPolicy:
                outlierDetection: {consecutive5xxErrors: 2, interval: 500ms, baseEjectionTime: 1s, maxEjectionPercent: 50}
            """;
        await using var proxy = await ProxyUnderTest.SidecarAsync(yaml, "client", "default", 9080);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var ok = 0;
        var failed = new List<string>();
        var total = 0;
        var stop = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        async Task LoadAsync()
        {
            // Closed loop, bounded by time and count.
            while (DateTime.UtcNow < stop && Interlocked.Increment(ref total) <= 3000)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, proxy.Url(9080, "/"));
                request.Headers.Host = "reviews";
                try
                {
                    using var response = await client.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        lock (failed)
                        {
                            failed.Add(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                        }
                    }
                }
                catch (HttpRequestException ex)
                {
                    lock (failed)
                    {
                        failed.Add(ex.Message);
                    }
                }

                await Task.Delay(5);
            }
        }

        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(LoadAsync)).ToArray();
        await Task.Delay(1000);
        var beforeKill = b.Requests;
        await b.DisposeAsync();
        await Task.Delay(1500);
        b = await Backend.StartAsync("b", bPort);
        await Task.WhenAll(load);
        var counters = proxy.Host.State.Current!.Clusters["outbound|9080||reviews.default.svc.cluster.local"].State.Counters;
        output.WriteLine($"requests {ok + failed.Count}: {ok} ok, {failed.Count} failed; backend a {a.Requests}, b {beforeKill} before the kill and {b.Requests} after the restart, c {c.Requests}; " +
                         $"retries {counters.Retries}, ejections {counters.Ejections}");
        Assert.Empty(failed);
        Assert.True(ok > 100, $"only {ok} requests completed");
        Assert.True(counters.Retries + counters.Ejections > 0, "the kill was never noticed");
        Assert.True(b.Requests > 0, "the restarted backend never came back into rotation");
        await a.DisposeAsync();
        await b.DisposeAsync();
        await c.DisposeAsync();
    }
}
