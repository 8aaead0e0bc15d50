using System.Collections.Concurrent;
using System.Text;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// Counters of what the proxy did: requests by response code and flag, per cluster. Lock-free increments; the
/// Prometheus exposition with Istio's standard metrics comes with the observability work.
/// </summary>
public sealed class ProxyStats
{
    /// <summary>Istio's standard metrics, rendered at /stats/prometheus.</summary>
    public IstioMetrics Istio { get; } = new();

    /// <summary>Spans for sampled requests (exported when the proxy has an OTLP endpoint).</summary>
    public Tracer Tracer { get; init; } = new(null);

    private readonly ConcurrentDictionary<(string Cluster, int Code, string Flag), long[]> requests = new();
    private readonly ConcurrentDictionary<string, ListenerCounters> listeners = new(StringComparer.Ordinal);

    /// <summary>A listener's counters, created on first use and kept across snapshots (looked up once per listener start, not per request).</summary>
    public ListenerCounters Listener(string name) => listeners.GetOrAdd(name, n => new ListenerCounters(n));

    /// <summary>Every listener's counters, by name.</summary>
    public IEnumerable<ListenerCounters> Listeners => listeners.Values.OrderBy(l => l.Name, StringComparer.Ordinal);

    public void Record(string cluster, int code, string flag)
    {
        var cell = requests.GetOrAdd((cluster, code, flag), _ => new long[1]);
        Interlocked.Increment(ref cell[0]);
    }

    public long Count(string? cluster = null, int? code = null, string? flag = null) =>
        requests.Where(kv => (cluster is null || kv.Key.Cluster == cluster) && (code is null || kv.Key.Code == code) && (flag is null || kv.Key.Flag == flag))
            .Sum(kv => Interlocked.Read(ref kv.Value[0]));

    public string Render()
    {
        var sb = new StringBuilder();
        foreach (var ((cluster, code, flag), cell) in requests.OrderBy(k => k.Key.Cluster, StringComparer.Ordinal).ThenBy(k => k.Key.Code))
        {
            sb.Append("requests{cluster=\"").Append(cluster).Append("\",code=\"").Append(code).Append("\",flags=\"").Append(flag).Append("\"} ")
              .Append(Interlocked.Read(ref cell[0])).Append('\n');
        }

        return sb.ToString();
    }
}
