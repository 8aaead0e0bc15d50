using System.Globalization;
using Causeway.Protocol.Metrics;

namespace Causeway.ControlPlane.Push;

/// <summary>
/// The control plane's own metrics, in Prometheus text on its status port (/metrics), named after istiod's
/// (pilot_xds_pushes, pilot_xds, pilot_total_xds_rejects, pilot_proxy_convergence_time): pushes by kind, NACKs,
/// connected proxies, rejected resources, how long translating and queueing a generation's pushes took, and how
/// long until every connected proxy ACKed the generation.
/// </summary>
public sealed class PushMetrics
{
    private long snapshots;
    private long endpointUpdates;
    private long errors;
    private long nacks;
    private long refused;
    private long generations;
    private long lastPushMicros;
    private long lastConvergenceMicros = -1;
    private long pendingSince;
    private string pendingFor = "";

    public void Pushed(bool endpointsOnly) => Interlocked.Increment(ref endpointsOnly ? ref endpointUpdates : ref snapshots);

    public void ErrorSent() => Interlocked.Increment(ref errors);

    public void Nacked() => Interlocked.Increment(ref nacks);

    /// <summary>A proxy was turned away: no token where one is required, a bad token, or one that does not fit its Hello.</summary>
    public void Refused() => Interlocked.Increment(ref refused);

    /// <summary>A generation was pushed: how long translating and queueing took; convergence is timed from now.</summary>
    public void GenerationPushed(TimeSpan took, long generation)
    {
        Interlocked.Increment(ref generations);
        Interlocked.Exchange(ref lastPushMicros, (long)took.TotalMicroseconds);
        Interlocked.Exchange(ref pendingSince, System.Diagnostics.Stopwatch.GetTimestamp());
        pendingFor = generation.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Called on each ACK: when every connected proxy runs what it was sent, the generation has converged.</summary>
    public void MaybeConverged(IReadOnlyCollection<ProxyStream> proxies)
    {
        var since = Interlocked.Read(ref pendingSince);
        if (since == 0 || proxies.Any(p => p.SentVersion.Length > 0 && p.SentVersion != p.AckedVersion))
        {
            return;
        }

        if (Interlocked.CompareExchange(ref pendingSince, 0, since) == since)
        {
            Interlocked.Exchange(ref lastConvergenceMicros, (long)System.Diagnostics.Stopwatch.GetElapsedTime(since).TotalMicroseconds);
        }
    }

    public string Render(int connected, int rejected, long generation)
    {
        var text = new PrometheusText();

        // Every family but pilot_xds_pushes is one unlabelled sample.
        void Single(string name, string type, double value) => text.Family(name, type).Sample(name, "", value);

        text.Family("pilot_xds_pushes", "counter").Sample("pilot_xds_pushes", "type=\"snapshot\"", Interlocked.Read(ref snapshots));
        text.Sample("pilot_xds_pushes", "type=\"endpoints\"", Interlocked.Read(ref endpointUpdates));
        text.Sample("pilot_xds_pushes", "type=\"error\"", Interlocked.Read(ref errors));
        Single("pilot_total_xds_rejects", "counter", Interlocked.Read(ref nacks));
        Single("pilot_xds", "gauge", connected);
        Single("causeway_push_refused_total", "counter", Interlocked.Read(ref refused));
        Single("causeway_config_rejected_resources", "gauge", rejected);
        Single("causeway_config_generation", "gauge", generation);
        Single("causeway_config_generations_pushed_total", "counter", Interlocked.Read(ref generations));
        Single("causeway_push_duration_seconds", "gauge", Interlocked.Read(ref lastPushMicros) / 1e6);
        var convergence = Interlocked.Read(ref lastConvergenceMicros);
        if (convergence >= 0)
        {
            Single("pilot_proxy_convergence_time_seconds", "gauge", convergence / 1e6);
        }

        Single("causeway_control_plane_resident_memory_bytes", "gauge", Environment.WorkingSet);
        return text.ToString();
    }
}
