using System.Globalization;

namespace Causeway.ControlPlane.Dashboard;

/// <summary>One direction of traffic as Istio's standard metrics name it: who reported it, from which workload, to which service and workload.</summary>
public readonly record struct EdgeKey(
    string Reporter,
    string SourceWorkload,
    string SourceNamespace,
    string DestinationService,
    string DestinationWorkload,
    string DestinationNamespace)
{
    /// <summary>
    /// Each request is reported twice when both ends have a proxy (reporter source and destination). The graph
    /// takes the caller's report, as Kiali does, and the destination's only when the caller has no proxy to report
    /// (its workload is "unknown": a client outside the mesh).
    /// </summary>
    public bool CountsForGraph => Reporter == "source" || SourceWorkload == "unknown";
}

/// <summary>What one proxy's counters said for one <see cref="EdgeKey"/> at one scrape (cumulative since it started).</summary>
public sealed class EdgeCounters
{
    public double Requests { get; set; }

    /// <summary>Responses with a 4xx or 5xx code (Kiali's error rate counts both).</summary>
    public double Errors { get; set; }

    /// <summary>Requests per response flag, "-" (no flag) left out.</summary>
    public Dictionary<string, double> Flags { get; } = new(StringComparer.Ordinal);

    /// <summary>The duration histogram's cumulative bucket counts by upper bound (milliseconds; +Inf included).</summary>
    public SortedDictionary<double, double> Buckets { get; } = [];

    /// <summary>connection_security_policy as reported: mutual_tls, none or unknown.</summary>
    public string Security { get; set; } = "unknown";
}

/// <summary>Turns one /stats/prometheus page into counters per edge: pure, so the dashboard's arithmetic is tested without proxies.</summary>
public static class TrafficCounters
{
    private const string RequestsTotal = "istio_requests_total";
    private const string DurationBucket = "istio_request_duration_milliseconds_bucket";

    public static Dictionary<EdgeKey, EdgeCounters> FromExposition(string text)
    {
        var edges = new Dictionary<EdgeKey, EdgeCounters>();
        foreach (var sample in PrometheusText.Read(text, name => name is RequestsTotal or DurationBucket))
        {
            var key = KeyOf(sample.Labels);
            if (!edges.TryGetValue(key, out var counters))
            {
                counters = new EdgeCounters();
                edges[key] = counters;
            }

            if (sample.Name == RequestsTotal)
            {
                counters.Requests += sample.Value;
                var code = Label(sample.Labels, "response_code");
                if (code.Length == 3 && code[0] is '4' or '5')
                {
                    counters.Errors += sample.Value;
                }

                var flags = Label(sample.Labels, "response_flags");
                if (flags is not ("" or "-"))
                {
                    counters.Flags[flags] = counters.Flags.GetValueOrDefault(flags) + sample.Value;
                }

                var security = Label(sample.Labels, "connection_security_policy");
                if (security.Length > 0 && security != "unknown")
                {
                    counters.Security = security;
                }
            }
            else if (double.TryParse(Label(sample.Labels, "le"), NumberStyles.Float, CultureInfo.InvariantCulture, out var le)
                     || Label(sample.Labels, "le") == "+Inf" && (le = double.PositiveInfinity) > 0)
            {
                // one series per response code: the buckets of all codes add up
                counters.Buckets[le] = counters.Buckets.GetValueOrDefault(le) + sample.Value;
            }
        }

        return edges;
    }

    private static EdgeKey KeyOf(IReadOnlyDictionary<string, string> labels) => new(
        Label(labels, "reporter"),
        Label(labels, "source_workload"),
        Label(labels, "source_workload_namespace"),
        Label(labels, "destination_service"),
        Label(labels, "destination_workload"),
        Label(labels, "destination_workload_namespace"));

    private static string Label(IReadOnlyDictionary<string, string> labels, string name) => labels.TryGetValue(name, out var v) ? v : "";
}
