using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using Causeway.Protocol.Grpc;
using Causeway.Protocol.V1;

namespace Causeway.Bench.ControlPlane;

/// <summary>
/// A proxy reduced to its push-protocol client: holds a stream, decodes each snapshot or endpoints update, ACKs it
/// and records when each version arrived.
/// </summary>
internal sealed class SimulatedProxy(string name, string ns, HttpMessageInvoker invoker, Uri address)
{
    private readonly Channel<ProxyMessage> outgoing = Channel.CreateUnbounded<ProxyMessage>();

    public string Version { get; private set; } = "";

    public long ReceivedAt { get; private set; }

    public int Messages { get; private set; }

    public long Bytes { get; private set; }

    public async Task RunAsync(CancellationToken cancel)
    {
        outgoing.Writer.TryWrite(new ProxyMessage { Hello = new Hello { Role = ProxyRole.Sidecar, Name = name, Namespace = ns } });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, GrpcProtocol.StreamPath))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new GrpcRequestStream<ProxyMessage>(outgoing.Reader),
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await invoker.SendAsync(request, cancel);
        await using var body = await response.Content.ReadAsStreamAsync(cancel);
        try
        {
            while (await GrpcFraming.ReadAsync(body, ControlMessage.Parser, cancel) is { } message)
            {
                var version = message.KindCase switch
                {
                    ControlMessage.KindOneofCase.Snapshot => message.Snapshot.Version,
                    ControlMessage.KindOneofCase.Endpoints => message.Endpoints.Version,
                    _ => null,
                };
                if (version is null)
                {
                    continue;
                }

                Messages++;
                Bytes += message.CalculateSize();
                Version = version;
                ReceivedAt = Stopwatch.GetTimestamp();
                outgoing.Writer.TryWrite(new ProxyMessage { Ack = new Ack { Version = version } });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
