using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Causeway.Proxy.Tests.Support;

/// <summary>
/// A real backend on 127.0.0.1: an HTTP/1.1 port and an HTTP/2 (h2c) port. It answers with what it received
/// (method, path, query, Host, headers, protocol) as JSON and names itself in <c>x-backend</c>; <c>/status/N</c>
/// answers N, <c>/ws</c> echoes WebSocket messages, <c>/grpc</c> answers like a gRPC server (trailers). Tests can
/// script answers (a status after a delay) for the next requests or for all of them.
/// </summary>
internal sealed class Backend : IAsyncDisposable
{
    private readonly WebApplication app;
    private int requests;

    private Backend(WebApplication app, string name, int http1Port, int http2Port)
    {
        this.app = app;
        Name = name;
        Http1Port = http1Port;
        Http2Port = http2Port;
    }

    public string Name { get; }

    public int Http1Port { get; }

    public int Http2Port { get; }

    public int Requests => Volatile.Read(ref requests);

    /// <summary>Requests received, in order: Host header and path.</summary>
    public List<(string Host, string Path)> Seen { get; } = [];

    /// <summary>Answers queued for the next requests, in order: a status (0: the normal echo) after a delay.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(int Status, int DelayMs)> Next { get; } = new();

    /// <summary>When set, every request gets this status (after <see cref="DelayMs"/>), unless <see cref="Next"/> has one queued.</summary>
    public int AlwaysStatus { get; set; }

    /// <summary>A delay before every answer.</summary>
    public int DelayMs { get; set; }

    /// <summary>Methods of the requests received, in order.</summary>
    public List<string> Methods { get; } = [];

    public static async Task<Backend> StartAsync(string name, int http1Port = 0, IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        var http1 = http1Port > 0 ? http1Port : FreePort.Next();
        var http2 = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Listen(address, http1, l => l.Protocols = HttpProtocols.Http1);
            o.Listen(address, http2, l => l.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var backend = new Backend(app, name, http1, http2);
        app.UseWebSockets();
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        return backend;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref requests);
        lock (Seen)
        {
            Seen.Add((ctx.Request.Host.Value ?? "", ctx.Request.Path.Value ?? ""));
            Methods.Add(ctx.Request.Method);
        }

        ctx.Response.Headers["x-backend"] = Name;
        var (scripted, delay) = Next.TryDequeue(out var next) ? next : (AlwaysStatus, DelayMs);
        if (delay > 0)
        {
            try
            {
                await Task.Delay(delay, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (scripted > 0)
        {
            ctx.Response.StatusCode = scripted;
            ctx.Response.Headers["x-attempt"] = ctx.Request.Headers["x-envoy-attempt-count"].ToString();
            return;
        }

        var path = ctx.Request.Path.Value ?? "/";
        if (path.StartsWith("/status/", StringComparison.Ordinal))
        {
            ctx.Response.StatusCode = int.Parse(path["/status/".Length..], System.Globalization.CultureInfo.InvariantCulture);
            return;
        }

        if (path == "/ws" && ctx.WebSockets.IsWebSocketRequest)
        {
            using var ws = await ctx.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var r = await ws.ReceiveAsync(buffer, ctx.RequestAborted);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }

                var reply = Encoding.UTF8.GetBytes(Name + ":" + Encoding.UTF8.GetString(buffer, 0, r.Count));
                await ws.SendAsync(reply, WebSocketMessageType.Text, true, ctx.RequestAborted);
            }
        }

        if (path == "/grpc")
        {
            // A gRPC unary answer: length-prefixed message, then grpc-status in trailers.
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            ctx.Response.ContentType = "application/grpc";
            ctx.Response.AppendTrailer("grpc-status", ctx.Request.Headers["x-want-status"].FirstOrDefault() ?? "0");
            ctx.Response.AppendTrailer("grpc-message", "from " + Name);
            await ctx.Response.Body.WriteAsync(ms.ToArray());
            return;
        }

        using var body = new StreamReader(ctx.Request.Body);
        var echo = new Dictionary<string, object?>
        {
            ["backend"] = Name,
            ["method"] = ctx.Request.Method,
            ["path"] = path,
            ["query"] = ctx.Request.QueryString.Value,
            ["host"] = ctx.Request.Host.Value,
            ["protocol"] = ctx.Request.Protocol,
            ["body"] = await body.ReadToEndAsync(),
            ["headers"] = ctx.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
        };
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(echo));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
