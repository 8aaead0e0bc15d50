using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// A Kestrel transport for plaintext HTTP listeners that speak both HTTP/1.1 and h2c. Kestrel alone cannot: on a
/// cleartext endpoint it needs ALPN to choose, so it would serve HTTP/1.1 only. Here one socket accepts; the first
/// bytes are peeked (not consumed) and the connection goes to the HTTP/2 endpoint when they are the HTTP/2 connection
/// preface, to the HTTP/1.1 endpoint otherwise. No extra hop: Kestrel reads the same connection.
/// </summary>
public sealed class SniffingListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly ConcurrentDictionary<IPEndPoint, SharedAcceptor> acceptors = new();
    private readonly SocketConnectionContextFactory contexts = new(new SocketConnectionFactoryOptions(), NullLogger.Instance);

    public bool CanBind(EndPoint endpoint) => endpoint is SniffingEndPoint;

    public void Dispose() => contexts.Dispose();

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var sniff = (SniffingEndPoint)endpoint;
        var acceptor = acceptors.GetOrAdd(sniff.Address, a => new SharedAcceptor(a, contexts, () => acceptors.TryRemove(a, out _)));
        return ValueTask.FromResult<IConnectionListener>(acceptor.Listener(sniff));
    }

    /// <summary>The listening socket shared by the HTTP/1.1 and h2c endpoints of one address.</summary>
    private sealed class SharedAcceptor : IDisposable
    {
        private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
        private readonly Socket socket;
        private readonly SocketConnectionContextFactory contexts;
        private readonly Action onClosed;
        private readonly Channel<ConnectionContext> http1 = Channel.CreateUnbounded<ConnectionContext>();
        private readonly Channel<ConnectionContext> http2 = Channel.CreateUnbounded<ConnectionContext>();
        private readonly CancellationTokenSource stop = new();
        private int bound;

        public SharedAcceptor(IPEndPoint address, SocketConnectionContextFactory contexts, Action onClosed)
        {
            this.contexts = contexts;
            this.onClosed = onClosed;
            socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            ListenSocketOptions.AllowRebindDuringTimeWait(socket);
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = address.Address.Equals(IPAddress.IPv6Any);
            }

            socket.Bind(address);
            socket.Listen(1024);
            Address = (IPEndPoint)socket.LocalEndPoint!;
            _ = AcceptLoopAsync();
        }

        public IPEndPoint Address { get; }

        public IConnectionListener Listener(SniffingEndPoint endpoint)
        {
            Interlocked.Increment(ref bound);
            return new SniffedListener(this, new SniffingEndPoint(Address, endpoint.Protocol), endpoint.Protocol == SniffedProtocol.Http2 ? http2 : http1);
        }

        public void Unbound()
        {
            if (Interlocked.Decrement(ref bound) == 0)
            {
                Dispose();
                onClosed();
            }
        }

        public void Dispose()
        {
            stop.Cancel();
            socket.Dispose();
            http1.Writer.TryComplete();
            http2.Writer.TryComplete();
            stop.Dispose();
        }

        /// <summary>1: HTTP/1 (not the preface), 2: HTTP/2 (the whole preface), 0: too few bytes to tell.</summary>
        private static int Classify(in System.Buffers.ReadOnlySequence<byte> buffer, bool completed)
        {
            var n = (int)Math.Min(buffer.Length, Preface.Length);
            Span<byte> head = stackalloc byte[24];
            System.Buffers.BuffersExtensions.CopyTo(buffer.Slice(0, n), head);
            if (!head[..n].SequenceEqual(Preface.AsSpan(0, n)))
            {
                return 1;
            }

            return n == Preface.Length ? 2 : completed ? 1 : 0;
        }

        private async Task AcceptLoopAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                Socket accepted;
                try
                {
                    accepted = await socket.AcceptAsync(stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    if (stop.IsCancellationRequested)
                    {
                        return;
                    }

                    continue;
                }

                accepted.NoDelay = true;
                _ = DispatchAsync(contexts.Create(accepted));
            }
        }

        /// <summary>Peeks until the bytes either are the HTTP/2 preface or can no longer be; consumes nothing.</summary>
        private async Task DispatchAsync(ConnectionContext connection)
        {
            var input = connection.Transport.Input;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                while (true)
                {
                    var result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                    var buffer = result.Buffer;
                    var kind = Classify(buffer, result.IsCompleted);
                    if (kind != 0)
                    {
                        input.AdvanceTo(buffer.Start); // nothing consumed or examined: Kestrel reads it all again
                        var target = kind == 2 ? http2 : http1;
                        await target.Writer.WriteAsync(connection, stop.Token).ConfigureAwait(false);
                        return;
                    }

                    input.AdvanceTo(buffer.Start, buffer.End); // need more bytes to decide
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or ChannelClosedException)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed class SniffedListener(SharedAcceptor acceptor, EndPoint endpoint, Channel<ConnectionContext> channel) : IConnectionListener
    {
        private int unbound;

        public EndPoint EndPoint { get; } = endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await channel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref unbound, 1) == 0)
            {
                acceptor.Unbound();
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => UnbindAsync();
    }
}
