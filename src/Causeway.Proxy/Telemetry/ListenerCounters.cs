namespace Causeway.Proxy.Telemetry;

/// <summary>
/// One listener's counters under Envoy's names: downstream connections (total and active, counted in the
/// listener's connection middleware; refused at a connection limit), and downstream requests by response class
/// (counted where the proxy records a request). Kept by name in <see cref="ProxyStats"/>, so they survive snapshot updates; lock-free.
/// </summary>
public sealed class ListenerCounters(string name)
{
    private readonly long[] responses = new long[6]; // index = status / 100 (1xx..5xx); 0 for anything else
    private long connectionsTotal;
    private long connectionsActive;
    private long requests;
    private long overflow;
    private long globalOverflow;
    private long noFilterChain;

    public string Name { get; } = name;

    public long ConnectionsTotal => Volatile.Read(ref connectionsTotal);

    public long ConnectionsActive => Volatile.Read(ref connectionsActive);

    public long Requests => Volatile.Read(ref requests);

    /// <summary>Connections closed at once because the listener held its limit (Envoy's downstream_cx_overflow).</summary>
    public long ConnectionsOverflowed => Volatile.Read(ref overflow);

    /// <summary>Connections closed at once because the proxy held its overall limit (Envoy's downstream_global_cx_overflow).</summary>
    public long ConnectionsOverflowedGlobally => Volatile.Read(ref globalOverflow);

    /// <summary>Plaintext connections closed by a STRICT PeerAuthentication (Envoy's no_filter_chain_match).</summary>
    public long ConnectionsWithoutFilterChain => Volatile.Read(ref noFilterChain);

    public void ConnectionRefusedPlaintext() => Interlocked.Increment(ref noFilterChain);

    public void ConnectionOverflowed(bool overallLimit) => Interlocked.Increment(ref overallLimit ? ref globalOverflow : ref overflow);

    /// <summary>Requests answered with this class (1 to 5 for 1xx to 5xx).</summary>
    public long Responses(int statusClass) => Volatile.Read(ref responses[statusClass]);

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref connectionsTotal);
        Interlocked.Increment(ref connectionsActive);
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref connectionsActive);

    public void Request(int status)
    {
        Interlocked.Increment(ref requests);
        Interlocked.Increment(ref responses[status is >= 100 and < 600 ? status / 100 : 0]);
    }
}
