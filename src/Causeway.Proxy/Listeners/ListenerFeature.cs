using Causeway.Proxy.Telemetry;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// Which snapshot listener a downstream connection came in on, set when the connection is accepted: the request
/// handler, the TLS handshake and the TCP relay read it, since one Kestrel server serves every listener.
/// </summary>
internal sealed class ListenerFeature(string name, ListenerCounters counters)
{
    public string Name { get; } = name;

    public ListenerCounters Counters { get; } = counters;
}
