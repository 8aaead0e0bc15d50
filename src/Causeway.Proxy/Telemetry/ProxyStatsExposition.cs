using System.Globalization;
using System.Text;
using Causeway.Proxy.Runtime;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// The proxy's own statistics in the Prometheus text format, beside Istio's standard metrics: per cluster what
/// resilience did (Envoy's cluster stat names under <c>envoy_cluster_</c>, labelled with the cluster), per endpoint
/// the requests in flight and ejection, and for the process its memory, GC and the configuration version it runs.
/// </summary>
internal static class ProxyStatsExposition
{
    public static string Render(CompiledSnapshot? snapshot)
    {
        var sb = new StringBuilder();
        if (snapshot is not null)
        {
            var clusters = snapshot.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
            foreach (var name in clusters.FirstOrDefault()?.State.Counters.All().Select(c => c.Name) ?? [])
            {
                var metric = "envoy_cluster_" + name.Replace('.', '_');
                Type(sb, metric, "counter");
                foreach (var c in clusters)
                {
                    Line(sb, metric, $"cluster_name=\"{c.Name}\"", c.State.Counters.All().First(x => x.Name == name).Value);
                }
            }

            Type(sb, "envoy_cluster_upstream_rq_pending_active", "gauge");
            foreach (var c in clusters)
            {
                Line(sb, "envoy_cluster_upstream_rq_pending_active", $"cluster_name=\"{c.Name}\"", c.State.Breaker.PendingRequests);
            }

            // A family's lines must stay together (the exposition format), so one pass per metric.
            Type(sb, "envoy_cluster_upstream_rq_active", "gauge");
            foreach (var c in clusters)
            {
                foreach (var e in c.Endpoints)
                {
                    Line(sb, "envoy_cluster_upstream_rq_active", $"cluster_name=\"{c.Name}\",endpoint=\"{e.Key}\"", e.ActiveRequests);
                }
            }

            Type(sb, "envoy_cluster_outlier_detection_ejected", "gauge");
            foreach (var c in clusters)
            {
                foreach (var e in c.Endpoints)
                {
                    Line(sb, "envoy_cluster_outlier_detection_ejected", $"cluster_name=\"{c.Name}\",endpoint=\"{e.Key}\"", c.IsEjected(e) ? 1 : 0);
                }
            }

            Type(sb, "causeway_proxy_config_info", "gauge");
            Line(sb, "causeway_proxy_config_info", $"version=\"{snapshot.Version}\",listeners=\"{snapshot.Source.Listeners.Count}\",clusters=\"{snapshot.Source.Clusters.Count}\"", 1);
        }

        var gc = GC.GetGCMemoryInfo();
        Type(sb, "causeway_proxy_resident_memory_bytes", "gauge");
        Line(sb, "causeway_proxy_resident_memory_bytes", "", Environment.WorkingSet);
        Type(sb, "causeway_proxy_gc_heap_bytes", "gauge");
        Line(sb, "causeway_proxy_gc_heap_bytes", "", gc.HeapSizeBytes);
        Type(sb, "causeway_proxy_gc_collections_total", "counter");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            Line(sb, "causeway_proxy_gc_collections_total", $"generation=\"{generation}\"", GC.CollectionCount(generation));
        }

        Type(sb, "causeway_proxy_allocated_bytes_total", "counter");
        Line(sb, "causeway_proxy_allocated_bytes_total", "", GC.GetTotalAllocatedBytes());
        return sb.ToString();
    }

    private static void Type(StringBuilder sb, string metric, string type) => sb.Append("# TYPE ").Append(metric).Append(' ').Append(type).Append('\n');

    private static void Line(StringBuilder sb, string metric, string labels, long value)
    {
        sb.Append(metric);
        if (labels.Length > 0)
        {
            sb.Append('{').Append(labels).Append('}');
        }

        sb.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
