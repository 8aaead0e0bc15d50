using System.Buffers;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// Copies bytes one way between two streams with a pooled buffer until the source ends or either side fails: the
/// TCP relay and an upgraded (WebSocket) HTTP connection each run two, one per direction.
/// </summary>
internal static class StreamPump
{
    private const int BufferSize = 16 * 1024;

    /// <summary>Copies until either side ends; returns the bytes copied (the TCP metrics count them).</summary>
    public static async Task<long> PumpAsync(Stream from, Stream to, CancellationToken cancel)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer.AsMemory(), cancel).ConfigureAwait(false);
                if (read == 0)
                {
                    return total;
                }

                total += read;
                await to.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                await to.FlushAsync(cancel).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            return total; // one side closed: the relay ends
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
