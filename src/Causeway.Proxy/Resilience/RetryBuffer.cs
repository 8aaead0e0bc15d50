using System.Buffers;

namespace Causeway.Proxy.Resilience;

/// <summary>
/// Makes a streamed request body replayable for retries without buffering it first: the first attempt reads the
/// downstream body as it goes and a copy of each chunk is kept, up to a limit. A retry replays the copy and then
/// keeps reading the downstream body. Once the body has outgrown the limit it can no longer be replayed and the
/// request is not retried (Envoy's retry buffer limit). Attempts run one after another; a newer attempt's stream
/// retires the older ones.
/// </summary>
public sealed class RetryBuffer(Stream downstream, int limit) : IDisposable
{
    private readonly Stream downstream = downstream;
    /// <summary>What a proxy keeps per request for replay, at most; beyond this the request is not retried.</summary>
    public const int DefaultLimit = 64 * 1024;

    private byte[]? kept;
    private int length;
    private int generation;

    /// <summary>Bytes were read past the limit: the body cannot be sent again.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Whether a new attempt can send the whole body again.</summary>
    public bool CanReplay => !Overflowed;

    /// <summary>A stream for the next attempt: the kept bytes, then the rest of the downstream body.</summary>
    public Stream NextAttempt()
    {
        if (Overflowed)
        {
            throw new InvalidOperationException("the request body outgrew the retry buffer");
        }

        return new AttemptStream(this, ++generation);
    }

    public void Dispose()
    {
        if (kept is not null)
        {
            ArrayPool<byte>.Shared.Return(kept);
            kept = null;
        }
    }

    private void Keep(ReadOnlySpan<byte> data)
    {
        if (Overflowed)
        {
            return;
        }

        if (length + data.Length > limit)
        {
            Overflowed = true;
            return;
        }

        if (kept is null || kept.Length < length + data.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(limit, Math.Max(length + data.Length, (kept?.Length ?? 2048) * 2)));
            kept?.AsSpan(0, length).CopyTo(bigger);
            if (kept is not null)
            {
                ArrayPool<byte>.Shared.Return(kept);
            }

            kept = bigger;
        }

        data.CopyTo(kept.AsSpan(length));
        length += data.Length;
    }

    private sealed class AttemptStream(RetryBuffer owner, int generation) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(generation != owner.generation, this);
            if (position < owner.length)
            {
                var n = Math.Min(buffer.Length, owner.length - position);
                owner.kept.AsSpan(position, n).CopyTo(buffer.Span);
                position += n;
                return n;
            }

            var read = await owner.downstream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (generation == owner.generation)
            {
                owner.Keep(buffer.Span[..read]);
                position += read;
            }

            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
