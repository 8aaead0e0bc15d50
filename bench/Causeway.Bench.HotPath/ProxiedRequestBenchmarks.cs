using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Causeway.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Causeway.Bench.HotPath;

/// <summary>
/// One 1 KB HTTP/1.1 GET over real loopback sockets, three ways, all in this process: straight to the backend, through
/// a minimal forwarder (Kestrel + SocketsHttpHandler doing only what any forwarder must) and through the Causeway
/// proxy. The backend allocates nothing per request (<see cref="FixedResponseBackend"/>), so allocated bytes, which
/// are process-wide, are the client's and the forwarder's; Causeway minus the minimal forwarder is what Causeway
/// allocates per request beyond Kestrel and SocketsHttpHandler themselves: target under 1 KB.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet calls Cleanup, which disposes them")]
public class ProxiedRequestBenchmarks
{
    private static readonly byte[] Body = Enumerable.Range(0, 1024).Select(i => (byte)('a' + (i % 26))).ToArray();
    private readonly byte[] sink = new byte[4096];
    private FixedResponseBackend backend = null!;
    private WebApplication minimal = null!;
    private ProxyHost causeway = null!;
    private HttpMessageInvoker client = null!;
    private Uri direct = null!;
    private Uri viaMinimal = null!;
    private Uri viaCauseway = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        backend = new FixedResponseBackend(Body);
        var backendPort = backend.Port;

        var minimalPort = FreePort();
        var upstream = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false, ActivityHeadersPropagator = null });
        minimal = await StartKestrel(minimalPort, ctx => MinimalForward(ctx, upstream, backendPort));

        var causewayPort = FreePort();
        causeway = await ProxyHost.StartAsync(new ProxyOptions { AdminPort = 0, PortMap = new Dictionary<uint, int> { [9080] = causewayPort } });
        var error = await causeway.ApplyAsync(BenchMesh.SidecarSnapshot(BenchMesh.Service("web", 9080, backendPort, "v1"), "client", "bench"));
        if (error is not null)
        {
            throw new InvalidOperationException(error);
        }

        client = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null });
        direct = new Uri($"http://127.0.0.1:{backendPort}/1k");
        viaMinimal = new Uri($"http://127.0.0.1:{minimalPort}/1k");
        viaCauseway = new Uri($"http://127.0.0.1:{causewayPort}/1k");
        foreach (var uri in new[] { direct, viaMinimal, viaCauseway })
        {
            if (await Get(uri) != Body.Length)
            {
                throw new InvalidOperationException($"{uri} did not answer the 1 KB body");
            }
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        client.Dispose();
        await causeway.DisposeAsync();
        await minimal.DisposeAsync();
        backend.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<int> Direct() => Get(direct);

    [Benchmark]
    public Task<int> MinimalForwarder() => Get(viaMinimal);

    [Benchmark]
    public Task<int> Causeway() => Get(viaCauseway);

    private async Task<int> Get(Uri uri)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Host = "web";
        using var response = await client.SendAsync(request, CancellationToken.None);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(sink)) > 0)
        {
            total += read;
        }

        return response.IsSuccessStatusCode ? total : -1;
    }

    /// <summary>The least a forwarder does: same method, path and headers out; status, headers and body back.</summary>
    private static async Task MinimalForward(HttpContext ctx, HttpMessageInvoker upstream, int port)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{ctx.Request.Path}");
        foreach (var (name, values) in ctx.Request.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, values[0]);
        }

        using var response = await upstream.SendAsync(request, ctx.RequestAborted);
        ctx.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Content.Headers.NonValidated)
        {
            ctx.Response.Headers[name] = values.ToString();
        }

        await using var body = await response.Content.ReadAsStreamAsync(ctx.RequestAborted);
        await body.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
    }

    private static async Task<WebApplication> StartKestrel(int port, RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Listen(IPAddress.Loopback, port);
        });
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return app;
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
