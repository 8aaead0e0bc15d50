using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// The Kestrel transport behind every listener: Kestrel binds one endpoint per <see cref="ConnectionKind"/> once, at
/// start, and the listening sockets (<see cref="ListenerSocket"/>, added and removed as snapshots change) queue each
/// accepted connection to the endpoint of its kind. So one Kestrel server, with one heartbeat thread and one memory
/// pool, serves any number of listeners, and a listener comes and goes without restarting anything.
/// </summary>
internal sealed class ListenerTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly Channel<ConnectionContext>[] queues = [.. Enum.GetValues<ConnectionKind>().Select(_ => Channel.CreateUnbounded<ConnectionContext>())];

    /// <summary>Makes Kestrel's connection objects for the sockets the listeners accept (its socket transport's own).</summary>
    public SocketConnectionContextFactory Contexts { get; } = new(new SocketConnectionFactoryOptions(), NullLogger.Instance);

    public bool CanBind(System.Net.EndPoint endpoint) => endpoint is KindEndPoint;

    public ValueTask<IConnectionListener> BindAsync(System.Net.EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var kind = ((KindEndPoint)endpoint).Kind;
        return ValueTask.FromResult<IConnectionListener>(new QueueListener(endpoint, queues[(int)kind]));
    }

    /// <summary>Hands an accepted connection to Kestrel's endpoint for its kind; false once the server is stopping.</summary>
    public bool Enqueue(ConnectionKind kind, ConnectionContext connection) => queues[(int)kind].Writer.TryWrite(connection);

    public void Dispose()
    {
        foreach (var queue in queues)
        {
            queue.Writer.TryComplete();
        }

        Contexts.Dispose();
    }

    private sealed class QueueListener(System.Net.EndPoint endpoint, Channel<ConnectionContext> queue) : IConnectionListener
    {
        public System.Net.EndPoint EndPoint { get; } = endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        // Kestrel unbinds only when it stops: the queue itself closes with the transport.
        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
