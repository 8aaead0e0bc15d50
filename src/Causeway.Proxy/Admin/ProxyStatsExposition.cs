using Causeway.Protocol.Metrics;
using Causeway.Proxy.Runtime;
using Causeway.Proxy.Telemetry;

namespace Causeway.Proxy.Admin;

/// <summary>
/// The proxy's own statistics in the Prometheus text format, beside Istio's standard metrics: per cluster what
/// resilience did (Envoy's cluster stat names under <c>envoy_cluster_</c>, labelled with the cluster), per endpoint
/// the requests in flight and ejection, per listener its downstream connections and requests by response class
/// (Envoy's <c>envoy_listener_downstream_cx_*</c> and <c>envoy_http_downstream_rq_*</c>), and for the process its
/// memory, GC and the configuration version it runs.
/// </summary>
internal static class ProxyStatsExposition
{
    public static string Render(CompiledSnapshot? snapshot, IEnumerable<ListenerCounters> listeners)
    {
        var text = new PrometheusText();
        var perListener = listeners.ToList();
        void PerListener(string metric, string type, Func<ListenerCounters, long> value)
        {
            text.Family(metric, type);
            foreach (var l in perListener)
            {
                text.Sample(metric, $"listener_name=\"{l.Name}\"", value(l));
            }
        }

        PerListener("envoy_listener_downstream_cx_total", "counter", l => l.ConnectionsTotal);
        PerListener("envoy_listener_downstream_cx_active", "gauge", l => l.ConnectionsActive);
        PerListener("envoy_listener_downstream_cx_overflow", "counter", l => l.ConnectionsOverflowed);
        PerListener("envoy_listener_downstream_global_cx_overflow", "counter", l => l.ConnectionsOverflowedGlobally);
        PerListener("envoy_http_downstream_rq_total", "counter", l => l.Requests);
        text.Family("envoy_http_downstream_rq_xx", "counter");
        foreach (var l in perListener)
        {
            for (var statusClass = 1; statusClass <= 5; statusClass++)
            {
                text.Sample("envoy_http_downstream_rq_xx", $"listener_name=\"{l.Name}\",response_code_class=\"{statusClass}\"", l.Responses(statusClass));
            }
        }

        if (snapshot is not null)
        {
            var clusters = snapshot.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
            foreach (var name in clusters.FirstOrDefault()?.State.Counters.All().Select(c => c.Name) ?? [])
            {
                var metric = "envoy_cluster_" + name.Replace('.', '_');
                text.Family(metric, "counter");
                foreach (var c in clusters)
                {
                    text.Sample(metric, $"cluster_name=\"{c.Name}\"", c.State.Counters.All().First(x => x.Name == name).Value);
                }
            }

            text.Family("envoy_cluster_upstream_rq_pending_active", "gauge");
            foreach (var c in clusters)
            {
                text.Sample("envoy_cluster_upstream_rq_pending_active", $"cluster_name=\"{c.Name}\"", c.State.Breaker.PendingRequests);
            }

            // A family's lines must stay together (the exposition format), so one pass per metric.
            text.Family("envoy_cluster_upstream_rq_active", "gauge");
            foreach (var c in clusters)
            {
                foreach (var e in c.Endpoints)
                {
                    text.Sample("envoy_cluster_upstream_rq_active", $"cluster_name=\"{c.Name}\",endpoint=\"{e.Key}\"", e.ActiveRequests);
                }
            }

            text.Family("envoy_cluster_outlier_detection_ejected", "gauge");
            foreach (var c in clusters)
            {
                foreach (var e in c.Endpoints)
                {
                    text.Sample("envoy_cluster_outlier_detection_ejected", $"cluster_name=\"{c.Name}\",endpoint=\"{e.Key}\"", c.IsEjected(e) ? 1 : 0);
                }
            }

            text.Family("causeway_proxy_config_info", "gauge");
            text.Sample("causeway_proxy_config_info", $"version=\"{snapshot.Version}\",listeners=\"{snapshot.Source.Listeners.Count}\",clusters=\"{snapshot.Source.Clusters.Count}\"", 1);
        }

        var gc = GC.GetGCMemoryInfo();
        text.Family("causeway_proxy_resident_memory_bytes", "gauge");
        text.Sample("causeway_proxy_resident_memory_bytes", "", Environment.WorkingSet);
        text.Family("causeway_proxy_gc_heap_bytes", "gauge");
        text.Sample("causeway_proxy_gc_heap_bytes", "", gc.HeapSizeBytes);
        text.Family("causeway_proxy_gc_collections_total", "counter");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            text.Sample("causeway_proxy_gc_collections_total", $"generation=\"{generation}\"", GC.CollectionCount(generation));
        }

        text.Family("causeway_proxy_allocated_bytes_total", "counter");
        text.Sample("causeway_proxy_allocated_bytes_total", "", GC.GetTotalAllocatedBytes());
        return text.ToString();
    }
}
