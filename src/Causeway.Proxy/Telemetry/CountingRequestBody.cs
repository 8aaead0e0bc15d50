namespace Causeway.Proxy.Telemetry;

/// <summary>
/// A read-only view of a request body that counts the bytes read through it, and the gRPC messages when it carries
/// gRPC. Wrapped only where the Content-Length header cannot say the size (chunked HTTP/1.1, HTTP/2 without it) or
/// messages are to be counted: Envoy's request bytes are the body bytes received, not a header's claim of zero.
/// </summary>
internal sealed class CountingRequestBody(Stream inner, bool grpc) : Stream
{
    private GrpcMessageCounter counter;

    public long Bytes { get; private set; }

    public long Messages => counter.Messages;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Count(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Count(buffer.AsSpan(offset, read));
        return read;
    }

    private void Count(ReadOnlySpan<byte> read)
    {
        Bytes += read.Length;
        if (grpc)
        {
            counter.Add(read);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
