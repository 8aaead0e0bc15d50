using System.Net;
using System.Threading.Channels;
using Google.Protobuf;

namespace Causeway.Protocol.Grpc;

/// <summary>
/// The client's half of a bidirectional gRPC stream as an HTTP request body: every message queued on the channel is
/// framed and written as it comes, for as long as the stream lives (until the channel completes or the call ends).
/// </summary>
public sealed class GrpcRequestStream<T> : HttpContent
    where T : IMessage
{
    private readonly ChannelReader<T> messages;

    public GrpcRequestStream(ChannelReader<T> messages)
    {
        this.messages = messages;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in messages.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await GrpcFraming.WriteAsync(stream, message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // the call is over
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
