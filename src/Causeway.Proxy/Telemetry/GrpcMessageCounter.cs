namespace Causeway.Proxy.Telemetry;

/// <summary>
/// Counts gRPC messages in a byte stream as it passes, from the 5-byte length prefixes (gRPC over HTTP/2), however
/// the bytes are split into chunks. A value type with no allocation: one lives per stream direction.
/// </summary>
public struct GrpcMessageCounter
{
    private int headerBytes;
    private uint length;
    private long remaining;

    public long Messages { get; private set; }

    public void Add(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            if (remaining > 0)
            {
                var take = (int)Math.Min(remaining, data.Length - i);
                remaining -= take;
                i += take;
                continue;
            }

            // Inside a prefix: byte 0 is the compressed flag, bytes 1-4 the big-endian length.
            if (headerBytes > 0)
            {
                length = (length << 8) | data[i];
            }

            headerBytes++;
            i++;
            if (headerBytes == 5)
            {
                Messages++;
                remaining = length;
                headerBytes = 0;
                length = 0;
            }
        }
    }
}
