using System.Buffers.Binary;
using System.Net;
using Causeway.Proxy.Tests.Support.Otlp;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Causeway.Proxy.Tests.Support;

/// <summary>A span as the receiver decoded it, ids in hex.</summary>
internal sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, Span.Types.SpanKind Kind, ulong StartNanos, ulong EndNanos, Dictionary<string, string> Tags)
{
    public override string ToString() => $"{Service} {TraceId} {SpanId} <- {ParentSpanId} {Kind}";
}

/// <summary>
/// An OTLP trace receiver, as a collector is one: OTLP/HTTP (protobuf POSTed to /v1/traces, on <see cref="Port"/>)
/// and OTLP/gRPC (TraceService/Export over h2c, length-prefixed messages, on <see cref="GrpcPort"/>). It decodes
/// every ExportTraceServiceRequest into spans.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly List<ReceivedSpan> spans = [];

    private OtlpReceiver(WebApplication app, int port, int grpcPort)
    {
        this.app = app;
        Port = port;
        GrpcPort = grpcPort;
    }

    public int Port { get; }

    public int GrpcPort { get; }

    /// <summary>Export requests received (HTTP and gRPC).</summary>
    public int Exports { get; private set; }

    public List<ReceivedSpan> Spans()
    {
        lock (spans)
        {
            return [.. spans];
        }
    }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var port = FreePort.Next();
        var grpcPort = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, port);
            o.Listen(IPAddress.Loopback, grpcPort, l => l.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, port, grpcPort);
        app.MapPost("/v1/traces", async (HttpContext ctx) =>
        {
            receiver.Add(ExportTraceServiceRequest.Parser.ParseFrom(await ReadAllAsync(ctx.Request.Body)));
            ctx.Response.ContentType = "application/x-protobuf";
            await ctx.Response.Body.WriteAsync(Array.Empty<byte>()); // an empty ExportTraceServiceResponse
        });
        app.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", async (HttpContext ctx) =>
        {
            // gRPC framing: a 1-byte compressed flag and a 4-byte big-endian length before each message.
            var body = await ReadAllAsync(ctx.Request.Body);
            Assert.Equal(0, body[0]);
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1, 4));
            receiver.Add(ExportTraceServiceRequest.Parser.ParseFrom(body, 5, length));
            ctx.Response.ContentType = "application/grpc";
            ctx.Response.AppendTrailer("grpc-status", "0");
            await ctx.Response.Body.WriteAsync(new byte[5]); // an empty ExportTraceServiceResponse, framed
        });
        await app.StartAsync();
        return receiver;
    }

    private void Add(ExportTraceServiceRequest export)
    {
        lock (spans)
        {
            Exports++;
            foreach (var resource in export.ResourceSpans)
            {
                var service = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value.StringValue ?? "";
                foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
                {
                    var tags = span.Attributes.ToDictionary(a => a.Key, a => Text(a.Value));
                    spans.Add(new ReceivedSpan(service, Hex(span.TraceId), Hex(span.SpanId), Hex(span.ParentSpanId), span.Kind, span.StartTimeUnixNano, span.EndTimeUnixNano, tags));
                }
            }
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream body)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static string Text(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "",
    };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
