using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Causeway.Bench.Run;

/// <summary>
/// The pieces bench/run needs that nginx, wrk and h2load do not give: a gRPC unary echo backend (h2c), a TCP echo
/// backend, a closed-loop TCP ping-pong load, and a holder of idle keep-alive connections.
/// </summary>
internal static class Backends
{
    /// <summary>gRPC over HTTP/2 cleartext (Kestrel): every call's message is echoed back with grpc-status 0 in trailers.</summary>
    public static async Task<int> GrpcEchoAsync(string[] args)
    {
        var port = int.Parse(args[0], CultureInfo.InvariantCulture);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        app.Run(async ctx =>
        {
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body).ConfigureAwait(false);
            ctx.Response.ContentType = "application/grpc";
            ctx.Response.AppendTrailer("grpc-status", "0");
            await ctx.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length)).ConfigureAwait(false);
        });
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Echoes every byte back on every connection.</summary>
    public static async Task<int> TcpEchoAsync(string[] args)
    {
        var port = int.Parse(args[0], CultureInfo.InvariantCulture);
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start(4096);
        while (true)
        {
            var socket = await listener.AcceptSocketAsync().ConfigureAwait(false);
            socket.NoDelay = true;
            _ = Task.Run(async () =>
            {
                var buffer = new byte[16 * 1024];
                try
                {
                    int n;
                    while ((n = await socket.ReceiveAsync(buffer).ConfigureAwait(false)) > 0)
                    {
                        await socket.SendAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
                    }
                }
                catch (SocketException)
                {
                }
                finally
                {
                    socket.Dispose();
                }
            });
        }
    }

    /// <summary>
    /// Closed-loop TCP: each connection sends SIZE bytes and waits for all of them to come back, as fast as it can,
    /// for the given seconds. Prints {"rps": round trips per second, "errors": ...}.
    /// </summary>
    public static async Task<int> TcpLoadAsync(string[] args)
    {
        var endpoint = IPEndPoint.Parse(args[0]);
        var connections = int.Parse(args[1], CultureInfo.InvariantCulture);
        var seconds = double.Parse(args[2], CultureInfo.InvariantCulture);
        var size = int.Parse(args[3], CultureInfo.InvariantCulture);
        long trips = 0;
        var errors = 0;
        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(endpoint).ConfigureAwait(false);
                var message = new byte[size];
                var reply = new byte[size];
                while (Stopwatch.GetTimestamp() < stop)
                {
                    await socket.SendAsync(message).ConfigureAwait(false);
                    for (var got = 0; got < size;)
                    {
                        var n = await socket.ReceiveAsync(reply.AsMemory(got)).ConfigureAwait(false);
                        if (n == 0)
                        {
                            throw new SocketException((int)SocketError.ConnectionReset);
                        }

                        got += n;
                    }

                    Interlocked.Increment(ref trips);
                }
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref errors);
            }
        })).ConfigureAwait(false);
        Console.WriteLine(JsonSerializer.Serialize(new { rps = Math.Round(trips / watch.Elapsed.TotalSeconds, 2), requests = trips, errors }));
        return 0;
    }

    /// <summary>Opens N HTTP/1.1 keep-alive connections, sends one GET on each, then holds them idle until killed.</summary>
    public static async Task<int> IdleAsync(string[] args)
    {
        var endpoint = IPEndPoint.Parse(args[0]);
        var host = args[1];
        var count = int.Parse(args[2], CultureInfo.InvariantCulture);
        var held = new List<Socket>(count);
        var request = System.Text.Encoding.ASCII.GetBytes($"GET /1k HTTP/1.1\r\nHost: {host}\r\n\r\n");
        var buffer = new byte[8192];
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endpoint).ConfigureAwait(false);
            await socket.SendAsync(request).ConfigureAwait(false);
            _ = await socket.ReceiveAsync(buffer).ConfigureAwait(false); // the response (or its start): the connection is in use
            held.Add(socket);
        }

        Console.WriteLine($"holding {held.Count} idle connections");
        await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The gRPC unary request h2load sends: one length-prefixed message of the given size.</summary>
    public static int GrpcRequestFile(string[] args)
    {
        var size = int.Parse(args[1], CultureInfo.InvariantCulture);
        var frame = new byte[5 + size];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1, 4), size);
        File.WriteAllBytes(args[0], frame);
        return 0;
    }
}
