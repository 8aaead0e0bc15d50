using System.Globalization;
using System.Text;

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
    private long generations;
    private long lastPushMicros;
    private long lastConvergenceMicros = -1;
    private long pendingSince;
    private string pendingFor = "";

    public void Pushed(bool endpointsOnly) => Interlocked.Increment(ref endpointsOnly ? ref endpointUpdates : ref snapshots);

    public void ErrorSent() => Interlocked.Increment(ref errors);

    public void Nacked() => Interlocked.Increment(ref nacks);

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
        var sb = new StringBuilder();
        Metric(sb, "pilot_xds_pushes", "counter", "type=\"snapshot\"", Interlocked.Read(ref snapshots));
        Line(sb, "pilot_xds_pushes", "type=\"endpoints\"", Interlocked.Read(ref endpointUpdates));
        Line(sb, "pilot_xds_pushes", "type=\"error\"", Interlocked.Read(ref errors));
        Metric(sb, "pilot_total_xds_rejects", "counter", "", Interlocked.Read(ref nacks));
        Metric(sb, "pilot_xds", "gauge", "", connected);
        Metric(sb, "causeway_config_rejected_resources", "gauge", "", rejected);
        Metric(sb, "causeway_config_generation", "gauge", "", generation);
        Metric(sb, "causeway_config_generations_pushed_total", "counter", "", Interlocked.Read(ref generations));
        Metric(sb, "causeway_push_duration_seconds", "gauge", "", Interlocked.Read(ref lastPushMicros) / 1e6);
        var convergence = Interlocked.Read(ref lastConvergenceMicros);
        if (convergence >= 0)
        {
            Metric(sb, "pilot_proxy_convergence_time_seconds", "gauge", "", convergence / 1e6);
        }

        Metric(sb, "causeway_control_plane_resident_memory_bytes", "gauge", "", Environment.WorkingSet);
        return sb.ToString();
    }

    private static void Metric(StringBuilder sb, string name, string type, string labels, double value)
    {
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        Line(sb, name, labels, value);
    }

    private static void Line(StringBuilder sb, string name, string labels, double value)
    {
        sb.Append(name);
        if (labels.Length > 0)
        {
            sb.Append('{').Append(labels).Append('}');
        }

        sb.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
