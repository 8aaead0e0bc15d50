using System.Text;
using Causeway.Protocol.V1;
using Causeway.Proxy.Runtime;
using Causeway.Proxy.Telemetry;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Admin;

/// <summary>
/// The admin endpoints (on 127.0.0.1 only, port 15000 as Envoy's by default; served by the proxy's one Kestrel
/// server): readiness, and what the proxy believes, as JSON: the whole snapshot, listeners, routes, clusters with
/// their endpoints' health and requests in flight, and the request counters.
/// </summary>
internal static class AdminEndpoints
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false).WithIndentation());

    public static RequestDelegate Handler(ProxyState state, ProxyStats stats, Func<string> status, Func<Security.WorkloadCertificateStore.Issued?> certificate, Func<string> refusal) => async ctx =>
    {
        var snapshot = state.Current;
        var (code, type, body) = ctx.Request.Path.Value switch
        {
            "/ready" => snapshot is null ? (503, "text/plain", "NOT READY: no configuration yet\n") : (200, "text/plain", "LIVE\n"),
            "/server_info" => (200, "application/json", $"{{\"version\":\"{snapshot?.Version}\",\"state\":\"{(snapshot is null ? "INITIALIZING" : "LIVE")}\",\"status\":{System.Text.Json.JsonSerializer.Serialize(status(), AdminJson.Default.String)}}}\n"),
            "/config_dump" => snapshot is null ? (503, "text/plain", "no configuration\n") : (200, "application/json", Json.Format(Redacted(snapshot.Source)) + "\n"),
            "/clusters" => (200, "text/plain", Clusters(snapshot)),
            "/stats" => (200, "text/plain", stats.Render() + ClusterStats(snapshot) + ListenerStats(stats.Listeners)),
            "/certs" => (200, "application/json", Certs(certificate(), refusal())),
            "/stats/prometheus" => Prometheus(snapshot, stats),
            _ => (404, "text/plain", "endpoints: /ready /server_info /config_dump /clusters /certs /stats /stats/prometheus\n"),
        };
        await AnswerAsync(ctx, code, type, body).ConfigureAwait(false);
    };

    /// <summary>
    /// The pod-facing status port's two endpoints (Istio's 15021 readiness and its merged Prometheus port): ready
    /// once a configuration is applied, and the metrics; the rest of the admin listener stays on loopback.
    /// </summary>
    public static RequestDelegate StatusHandler(ProxyState state, ProxyStats stats) => async ctx =>
    {
        var snapshot = state.Current;
        var (code, type, body) = ctx.Request.Path.Value switch
        {
            "/healthz/ready" => snapshot is null ? (503, "text/plain", "not ready: no configuration yet\n") : (200, "text/plain", "ready\n"),
            "/stats/prometheus" => Prometheus(snapshot, stats),
            _ => (404, "text/plain", "endpoints: /healthz/ready /stats/prometheus\n"),
        };
        await AnswerAsync(ctx, code, type, body).ConfigureAwait(false);
    };

    /// <summary>Istio's standard metrics and the proxy's own, in Prometheus' text format (admin and status ports alike).</summary>
    private static (int, string, string) Prometheus(CompiledSnapshot? snapshot, ProxyStats stats) =>
        (200, "text/plain; version=0.0.4", stats.Istio.Render(snapshot?.Source) + ProxyStatsExposition.Render(snapshot, stats.Listeners));

    private static Task AnswerAsync(HttpContext ctx, int code, string type, string body)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = type;
        return ctx.Response.WriteAsync(body);
    }

    /// <summary>
    /// Envoy's /certs shape, trimmed: the workload certificate (its SPIFFE identity, serial, validity, days left) and
    /// the mesh root it chains to; or why there is none.
    /// </summary>
    private static string Certs(Security.WorkloadCertificateStore.Issued? issued, string refusal)
    {
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("certificates");
            if (issued is not null)
            {
                json.WriteStartObject();
                json.WriteStartArray("ca_cert");
                foreach (var root in issued.Roots)
                {
                    Describe(json, root, null);
                }

                json.WriteEndArray();
                json.WriteStartArray("cert_chain");
                Describe(json, issued.Certificate, issued.Identity);
                foreach (var c in issued.Intermediates)
                {
                    Describe(json, c, null);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("refused", refusal);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void Describe(System.Text.Json.Utf8JsonWriter json, System.Security.Cryptography.X509Certificates.X509Certificate2 c, string? uri)
    {
        json.WriteStartObject();
        json.WriteString("serial_number", c.SerialNumber.ToLowerInvariant());
        json.WriteString("subject", c.Subject);
        if (uri is not null)
        {
            json.WriteStartArray("subject_alt_names");
            json.WriteStartObject();
            json.WriteString("uri", uri);
            json.WriteEndObject();
            json.WriteEndArray();
        }

        json.WriteString("valid_from", c.NotBefore.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("expiration_time", c.NotAfter.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("days_until_expiration", Math.Max(0, (int)(c.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays));
        json.WriteEndObject();
    }

    /// <summary>The snapshot without private keys: Envoy's config_dump shows secrets as redacted, and so do we.</summary>
    private static ProxySnapshot Redacted(ProxySnapshot source)
    {
        if (!InlineKeys(source).Any())
        {
            return source;
        }

        var copy = source.Clone();
        foreach (var key in InlineKeys(copy))
        {
            key.InlinePem = "[redacted]";
        }

        return copy;
    }

    /// <summary>Private keys carried inline: gateway servers' (credentialName) and clusters' client certificates'.</summary>
    private static IEnumerable<PemSource> InlineKeys(ProxySnapshot snapshot) =>
        snapshot.Listeners.Where(l => l.Tls is not null).SelectMany(l => l.Tls.Servers).Select(s => s.PrivateKey)
            .Concat(snapshot.Clusters.Where(c => c.Tls is not null).Select(c => c.Tls.PrivateKey))
            .Where(k => k?.SourceCase == PemSource.SourceOneofCase.InlinePem)
            .ToList();

    /// <summary>Envoy's /clusters text shape: one line per fact, <c>cluster::host:port::fact::value</c>.</summary>
    private static string Clusters(CompiledSnapshot? snapshot)
    {
        if (snapshot is null)
        {
            return "";
        }

        var sb = new StringBuilder();
        foreach (var cluster in snapshot.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            sb.Append(cluster.Name).Append("::lb_policy::").Append(cluster.Cluster.LbPolicy).Append('\n');
            foreach (var e in cluster.Endpoints)
            {
                var prefix = $"{cluster.Name}::{e.Key}::";
                var flags = !e.Healthy ? "/failed_eds_health" : cluster.IsEjected(e) ? "/failed_outlier_check" : "healthy";
                sb.Append(prefix).Append("health_flags::").Append(flags).Append('\n');
                sb.Append(prefix).Append("priority::").Append(e.Source.Priority).Append('\n');
                sb.Append(prefix).Append("rq_active::").Append(e.ActiveRequests).Append('\n');
                sb.Append(prefix).Append("weight::").Append(e.Weight).Append('\n');
                sb.Append(prefix).Append("workload::").Append(e.Source.Workload).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>Envoy's listener and HTTP connection manager stats, one block per listener.</summary>
    private static string ListenerStats(IEnumerable<Telemetry.ListenerCounters> listeners)
    {
        var sb = new StringBuilder();
        foreach (var l in listeners)
        {
            sb.Append("listener.").Append(l.Name).Append(".downstream_cx_total: ").Append(l.ConnectionsTotal).Append('\n');
            sb.Append("listener.").Append(l.Name).Append(".downstream_cx_active: ").Append(l.ConnectionsActive).Append('\n');
            sb.Append("listener.").Append(l.Name).Append(".downstream_cx_overflow: ").Append(l.ConnectionsOverflowed).Append('\n');
            sb.Append("listener.").Append(l.Name).Append(".downstream_global_cx_overflow: ").Append(l.ConnectionsOverflowedGlobally).Append('\n');
            sb.Append("listener.").Append(l.Name).Append(".no_filter_chain_match: ").Append(l.ConnectionsWithoutFilterChain).Append('\n');
            sb.Append("http.").Append(l.Name).Append(".downstream_rq_total: ").Append(l.Requests).Append('\n');
            for (var statusClass = 1; statusClass <= 5; statusClass++)
            {
                sb.Append("http.").Append(l.Name).Append(".downstream_rq_").Append(statusClass).Append("xx: ").Append(l.Responses(statusClass)).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// What resilience did per cluster, in Envoy's stat names (<c>cluster.NAME.upstream_rq_retry: 3</c>): retries,
    /// overflows, timeouts, ejections, rate limiting, faults; plus requests and connections waiting and active.
    /// </summary>
    private static string ClusterStats(CompiledSnapshot? snapshot)
    {
        if (snapshot is null)
        {
            return "";
        }

        var sb = new StringBuilder();
        foreach (var cluster in snapshot.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var prefix = "cluster." + cluster.Name + ".";
            foreach (var (name, value) in cluster.State.Counters.All())
            {
                sb.Append(prefix).Append(name).Append(": ").Append(value).Append('\n');
            }

            sb.Append(prefix).Append("upstream_rq_active: ").Append(cluster.Endpoints.Sum(e => e.ActiveRequests)).Append('\n');
            sb.Append(prefix).Append("upstream_rq_pending_active: ").Append(cluster.State.Breaker.PendingRequests).Append('\n');
            sb.Append(prefix).Append("outlier_detection.ejections_active: ").Append(cluster.Endpoints.Count(cluster.IsEjected)).Append('\n');
        }

        return sb.ToString();
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class AdminJson : System.Text.Json.Serialization.JsonSerializerContext;
