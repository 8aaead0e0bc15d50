using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// Tells HTTP/2 by prior knowledge (h2c) from HTTP/1.1 on a plaintext HTTP listener. Kestrel alone cannot: on a
/// cleartext endpoint it needs ALPN to choose. The first bytes are peeked, never consumed, so Kestrel reads the same
/// connection from its start: no extra hop.
/// </summary>
internal static class ProtocolSniffer
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    /// <summary>How long a client may take to send its first bytes before the connection is dropped.</summary>
    public static readonly TimeSpan FirstBytesTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Whether the connection's first byte opens a TLS handshake record (0x16); nothing is consumed.</summary>
    public static async Task<bool> StartsWithTlsAsync(ConnectionContext connection, CancellationToken cancel)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(FirstBytesTimeout);
        while (true)
        {
            var result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            if (!result.Buffer.IsEmpty)
            {
                var tls = result.Buffer.FirstSpan[0] == 0x16;
                input.AdvanceTo(result.Buffer.Start);
                return tls;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return false;
            }
        }
    }

    /// <summary>HTTP/2 when the connection starts with the whole preface, HTTP/1.1 as soon as it cannot.</summary>
    public static async Task<ConnectionKind> SniffAsync(ConnectionContext connection, CancellationToken cancel)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(FirstBytesTimeout);
        while (true)
        {
            var result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            var kind = Classify(buffer, result.IsCompleted);
            if (kind is { } decided)
            {
                input.AdvanceTo(buffer.Start); // nothing consumed or examined: Kestrel reads it all again
                return decided;
            }

            input.AdvanceTo(buffer.Start, buffer.End); // need more bytes to decide
        }
    }

    /// <summary>HTTP/1 when the bytes are not the preface, HTTP/2 for the whole preface, null when too few to tell.</summary>
    internal static ConnectionKind? Classify(in ReadOnlySequence<byte> buffer, bool completed)
    {
        var n = (int)Math.Min(buffer.Length, Preface.Length);
        Span<byte> head = stackalloc byte[24];
        buffer.Slice(0, n).CopyTo(head);
        if (!head[..n].SequenceEqual(Preface.AsSpan(0, n)))
        {
            return ConnectionKind.Http1;
        }

        return n == Preface.Length ? ConnectionKind.Http2 : completed ? ConnectionKind.Http1 : null;
    }
}
