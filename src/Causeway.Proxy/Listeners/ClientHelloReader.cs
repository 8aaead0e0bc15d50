using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// Reads the server name (SNI) from a TLS ClientHello without consuming it (Envoy's tls_inspector): the bytes stay
/// in the connection's pipe, so a relay passes the whole handshake on untouched. The hello may span several TLS
/// records; it is read up to <see cref="MaxHelloBytes"/>.
/// </summary>
internal static class ClientHelloReader
{
    /// <summary>The most a ClientHello may take before the connection is judged not to be TLS (Envoy's inspector stops at 64 KB too).</summary>
    public const int MaxHelloBytes = 64 * 1024;

    /// <summary>How long a client may take to send its whole ClientHello.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public enum Outcome
    {
        /// <summary>Too few bytes yet to tell.</summary>
        NeedMore,

        /// <summary>A whole ClientHello (its server name may still be null: SNI is optional).</summary>
        Hello,

        /// <summary>Not a TLS ClientHello, or a malformed one.</summary>
        NotTls,
    }

    /// <summary>Waits for the ClientHello and returns its server name; null when it has none. Throws <see cref="InvalidDataException"/> for bytes that are not a ClientHello.</summary>
    public static async Task<string?> PeekServerNameAsync(PipeReader input, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(Timeout);
        while (true)
        {
            var result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            var outcome = Parse(buffer, out var serverName);
            if (outcome == Outcome.NeedMore && !result.IsCompleted)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            input.AdvanceTo(buffer.Start); // nothing consumed: the relay sends it all
            return outcome == Outcome.Hello ? serverName : throw new InvalidDataException(outcome == Outcome.NeedMore ? "the connection closed inside its ClientHello" : "not a TLS ClientHello");
        }
    }

    /// <summary>Parses what has arrived so far.</summary>
    public static Outcome Parse(in ReadOnlySequence<byte> buffer, out string? serverName)
    {
        serverName = null;
        var handshake = new ArrayBufferWriter<byte>();
        var reader = new SequenceReader<byte>(buffer);
        var helloLength = -1;
        while (true)
        {
            // A TLS record: type 22 (handshake), version 3.x, a length of at most 2^14 (+ slack, as implementations send).
            if (reader.Remaining < 5)
            {
                return reader.Remaining > 0 && !reader.IsNext(0x16) ? Outcome.NotTls : Outcome.NeedMore;
            }

            reader.TryRead(out byte type);
            reader.TryRead(out byte major);
            reader.Advance(1);
            reader.TryReadBigEndian(out short recordLength);
            if (type != 0x16 || major != 3 || recordLength is <= 0 or > 16384 + 2048)
            {
                return Outcome.NotTls;
            }

            if (reader.Remaining < recordLength)
            {
                return buffer.Length > MaxHelloBytes ? Outcome.NotTls : Outcome.NeedMore;
            }

            var fragment = reader.UnreadSequence.Slice(0, recordLength);
            fragment.CopyTo(handshake.GetSpan(recordLength));
            handshake.Advance(recordLength);
            reader.Advance(recordLength);

            var span = handshake.WrittenSpan;
            if (helloLength < 0 && span.Length >= 4)
            {
                if (span[0] != 0x01)
                {
                    return Outcome.NotTls; // the first handshake message must be the ClientHello
                }

                helloLength = (span[1] << 16) | (span[2] << 8) | span[3];
                if (helloLength > MaxHelloBytes)
                {
                    return Outcome.NotTls;
                }
            }

            if (helloLength >= 0 && span.Length >= 4 + helloLength)
            {
                return ReadServerName(span.Slice(4, helloLength), out serverName) ? Outcome.Hello : Outcome.NotTls;
            }
        }
    }

    /// <summary>The server_name extension (RFC 6066 section 3) of a ClientHello body.</summary>
    private static bool ReadServerName(ReadOnlySpan<byte> hello, out string? serverName)
    {
        serverName = null;
        var at = 2 + 32; // client_version, random
        if (!Skip(hello, ref at, 1) || !Skip(hello, ref at, 2) || !Skip(hello, ref at, 1))
        {
            return false; // session_id, cipher_suites, compression_methods
        }

        if (at == hello.Length)
        {
            return true; // no extensions at all
        }

        if (at + 2 > hello.Length)
        {
            return false;
        }

        var end = at + 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[at..]);
        at += 2;
        if (end > hello.Length)
        {
            return false;
        }

        while (at + 4 <= end)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(hello[at..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(hello[(at + 2)..]);
            at += 4;
            if (at + length > end)
            {
                return false;
            }

            if (type == 0)
            {
                var list = hello.Slice(at, length);
                var listEnd = 2 + (list.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(list) : int.MaxValue);
                for (var i = 2; listEnd <= list.Length && i + 3 <= listEnd;)
                {
                    var nameType = list[i];
                    var nameLength = BinaryPrimitives.ReadUInt16BigEndian(list[(i + 1)..]);
                    i += 3;
                    if (i + nameLength > listEnd)
                    {
                        return false;
                    }

                    if (nameType == 0)
                    {
                        var name = list.Slice(i, nameLength);
                        if (name.Length == 0 || name.ContainsAnyExceptInRange((byte)0x21, (byte)0x7e))
                        {
                            return false; // a host name is printable ASCII
                        }

                        serverName = Encoding.ASCII.GetString(name).ToLowerInvariant();
                        return true;
                    }

                    i += nameLength;
                }

                return false;
            }

            at += length;
        }

        return at == end;
    }

    private static bool Skip(ReadOnlySpan<byte> hello, ref int at, int lengthBytes)
    {
        if (at + lengthBytes > hello.Length)
        {
            return false;
        }

        var length = lengthBytes == 1 ? hello[at] : BinaryPrimitives.ReadUInt16BigEndian(hello[at..]);
        at += lengthBytes + length;
        return at <= hello.Length;
    }
}
