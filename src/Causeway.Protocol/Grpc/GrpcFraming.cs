using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Causeway.Protocol.Grpc;

/// <summary>
/// gRPC's length-prefixed messages over an HTTP/2 stream (the gRPC over HTTP/2 spec, written here because
/// grpc-dotnet is not available): a 1-byte compressed flag (always 0 here; a compressed message is refused), a
/// 4-byte big-endian length, then the protobuf bytes. The rest of the protocol (method path, content-type
/// application/grpc, te: trailers, grpc-status in trailers) is in <see cref="GrpcProtocol"/>.
/// </summary>
public static class GrpcFraming
{
    /// <summary>A message larger than this is refused (gRPC's default receive limit is 4 MiB; snapshots can be bigger).</summary>
    public const int MaxMessageBytes = 64 * 1024 * 1024;

    public static async ValueTask WriteAsync(Stream stream, IMessage message, CancellationToken cancel)
    {
        var size = message.CalculateSize();
        var buffer = ArrayPool<byte>.Shared.Rent(size + 5);
        try
        {
            buffer[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(1, 4), (uint)size);
            message.WriteTo(buffer.AsSpan(5, size));
            await stream.WriteAsync(buffer.AsMemory(0, size + 5), cancel).ConfigureAwait(false);
            await stream.FlushAsync(cancel).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes one framed message straight into a pipe (no intermediate copy of a large snapshot); the caller flushes.</summary>
    public static void Write(IBufferWriter<byte> writer, IMessage message)
    {
        var size = message.CalculateSize();
        var header = writer.GetSpan(5);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header.Slice(1, 4), (uint)size);
        writer.Advance(5);
        message.WriteTo(writer);
    }

    /// <summary>The next message, or null when the stream ended cleanly between messages.</summary>
    public static async ValueTask<T?> ReadAsync<T>(Stream stream, MessageParser<T> parser, CancellationToken cancel)
        where T : class, IMessage<T>
    {
        var header = new byte[5];
        var got = await ReadUpToAsync(stream, header, cancel).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        if (got < 5)
        {
            throw new InvalidDataException("the stream ended inside a gRPC message header");
        }

        if (header[0] != 0)
        {
            throw new InvalidDataException("compressed gRPC messages are not supported (no grpc-encoding was negotiated)");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > MaxMessageBytes)
        {
            throw new InvalidDataException($"gRPC message of {length} bytes is over the {MaxMessageBytes}-byte limit");
        }

        var body = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            if (await ReadUpToAsync(stream, body.AsMemory(0, (int)length), cancel).ConfigureAwait(false) < length)
            {
                throw new InvalidDataException("the stream ended inside a gRPC message");
            }

            return parser.ParseFrom(body.AsSpan(0, (int)length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private static async ValueTask<int> ReadUpToAsync(Stream stream, Memory<byte> buffer, CancellationToken cancel)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[total..], cancel).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
