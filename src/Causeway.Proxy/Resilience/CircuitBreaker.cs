using Causeway.Protocol.V1;

namespace Causeway.Proxy.Resilience;

/// <summary>
/// A cluster's circuit breakers (Istio's connectionPool, Envoy's per-cluster thresholds): at most
/// <c>http2MaxRequests</c> requests in flight (HTTP/1.1 and HTTP/2 alike); for HTTP/1.1, where a request holds a
/// connection, at most <c>tcp.maxConnections</c> at once and at most <c>http1MaxPendingRequests</c> waiting for one;
/// at most <c>maxRetries</c> retries in flight. Past a limit the answer is an immediate overflow (503 UO), never an
/// unbounded queue. Zero means unlimited. Lives across snapshots while the cluster exists, so requests in flight
/// keep counting; new limits apply from the next request.
/// </summary>
public sealed class CircuitBreaker
{
    private readonly Lock gate = new();
    private readonly Queue<TaskCompletionSource<bool>> waiting = new();
    private int requests;
    private int connections;
    private int retries;
    private int tcpConnections;
    private int pending;
    private Limits limits;

    public CircuitBreaker(ConnectionPool? settings) => Update(settings);

    /// <summary>Whether any limit is set; when none is, callers skip the breaker entirely.</summary>
    public bool Enabled => limits.Any;

    public int ActiveRequests => Volatile.Read(ref requests);

    /// <summary>Requests waiting for an HTTP/1.1 connection (cancelled ones no longer count).</summary>
    public int PendingRequests => Volatile.Read(ref pending);

    public void Update(ConnectionPool? settings) => limits = new Limits(
        (int)Math.Min(int.MaxValue, settings?.Http2MaxRequests ?? 0),
        (int)Math.Min(int.MaxValue, settings?.MaxConnections ?? 0),
        (int)Math.Min(int.MaxValue, settings?.Http1MaxPendingRequests ?? 0),
        (int)Math.Min(int.MaxValue, settings?.MaxRetries ?? 0));

    /// <summary>
    /// Admits a request, waiting for an HTTP/1.1 connection slot if it must and may; false means overflow. Each
    /// admission must be followed by one <see cref="Exit"/> with the same <paramref name="http1"/>.
    /// </summary>
    public ValueTask<bool> EnterAsync(bool http1, CancellationToken cancel)
    {
        TaskCompletionSource<bool> waiter;
        lock (gate)
        {
            var l = limits;
            if (l.MaxRequests > 0 && requests >= l.MaxRequests)
            {
                return ValueTask.FromResult(false);
            }

            if (!http1 || l.MaxConnections == 0 || connections < l.MaxConnections)
            {
                requests++;
                if (http1)
                {
                    connections++;
                }

                return ValueTask.FromResult(true);
            }

            // Envoy's http1MaxPendingRequests default is 2^32-1: unset means waiting is unbounded by count (the
            // route timeout still bounds it); set, the queue never grows past it.
            if (l.MaxPending > 0 && pending >= l.MaxPending)
            {
                return ValueTask.FromResult(false);
            }

            waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting.Enqueue(waiter);
            pending++;
        }

        return WaitAsync(waiter, cancel);
    }

    public void Exit(bool http1)
    {
        lock (gate)
        {
            if (http1)
            {
                // Hand the connection straight to the longest waiter, if any; it takes over the request slot too.
                while (waiting.TryDequeue(out var next))
                {
                    if (next.TrySetResult(true))
                    {
                        pending--;
                        return;
                    }
                }

                connections--;
            }

            requests--;
        }
    }

    /// <summary>A retry may start only within maxRetries retries in flight for the whole cluster.</summary>
    public bool TryBeginRetry()
    {
        var max = limits.MaxRetries;
        if (max == 0)
        {
            Interlocked.Increment(ref retries);
            return true;
        }

        while (true)
        {
            var now = Volatile.Read(ref retries);
            if (now >= max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref retries, now + 1, now) == now)
            {
                return true;
            }
        }
    }

    public void EndRetry() => Interlocked.Decrement(ref retries);

    /// <summary>An opaque TCP connection is admitted within tcp.maxConnections.</summary>
    public bool TryOpenTcp()
    {
        var max = limits.MaxConnections;
        var now = Interlocked.Increment(ref tcpConnections);
        if (max > 0 && now > max)
        {
            Interlocked.Decrement(ref tcpConnections);
            return false;
        }

        return true;
    }

    public void CloseTcp() => Interlocked.Decrement(ref tcpConnections);

    private async ValueTask<bool> WaitAsync(TaskCompletionSource<bool> waiter, CancellationToken cancel)
    {
        using (cancel.Register(() =>
        {
            lock (gate)
            {
                if (waiter.TrySetCanceled())
                {
                    pending--; // gone from the count now; Exit skips it in the queue later
                }
            }
        }))
        {
            // Cancelled (timeout or client gone) before a slot was handed over: this throws, and Exit skips the dead waiter.
            return await waiter.Task.ConfigureAwait(false);
        }
    }

    private readonly record struct Limits(int MaxRequests, int MaxConnections, int MaxPending, int MaxRetries)
    {
        public bool Any => MaxRequests > 0 || MaxConnections > 0 || MaxPending > 0 || MaxRetries > 0;
    }
}
