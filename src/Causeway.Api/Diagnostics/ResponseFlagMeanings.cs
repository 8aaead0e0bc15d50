namespace Causeway.Api.Diagnostics;

/// <summary>
/// What each response flag Causeway sets means (Envoy's short names, as Istio's access logs and metrics carry them)
/// and where to look next: the text of <c>causeway explain --flag</c> and of the dashboard's flag list, kept in one
/// place so the two never disagree.
/// </summary>
public static class ResponseFlagMeanings
{
    public static readonly IReadOnlyDictionary<string, (string Meaning, string Look)> All = new Dictionary<string, (string Meaning, string Look)>(StringComparer.Ordinal)
    {
        ["NR"] = ("No route: no virtual host for the Host/:authority, or no route of it matched (404).", "`causeway explain` with the same URL and headers; the VirtualService's hosts, gateways and matches."),
        ["NC"] = ("No cluster: the route names a cluster that does not exist, usually a subset no DestinationRule defines (503).", "the DestinationRule's subsets for the host (IST0101 in `causeway analyze`)."),
        ["UH"] = ("No healthy upstream: the cluster has no endpoint that is ready and not ejected (503).", "`causeway proxy-config endpoints`; WorkloadEntries and their labels; outlier ejections in the admin /clusters."),
        ["UF"] = ("Upstream connection failure: connecting to the endpoint failed (503).", "the endpoint's address and port; is the application listening? connectTimeout."),
        ["UO"] = ("Upstream overflow: a circuit breaker refused the request (503, x-envoy-overloaded).", "the DestinationRule's connectionPool (http2MaxRequests, tcp.maxConnections, http1MaxPendingRequests); cluster.*.upstream_rq_overflow in /stats."),
        ["URX"] = ("Retries exhausted: the request was retried as the retry policy allows and still failed.", "the route's retries (attempts, retryOn) and the first failure's flag."),
        ["UT"] = ("Upstream request timeout: the route timeout or a per-try timeout fired (504).", "the route's timeout and retries.perTryTimeout; x-envoy-upstream-rq-timeout-ms from the client."),
        ["UR"] = ("Upstream remote reset: the upstream reset the stream.", "the application's logs; HTTP/2 settings."),
        ["UC"] = ("Upstream connection termination: the upstream closed the connection before answering (503).", "the application's logs; its keep-alive timeout against the pool's idleTimeout."),
        ["DC"] = ("Downstream connection termination: the client went away.", "the client's timeout."),
        ["DPE"] = ("Downstream protocol error: a malformed request (Content-Length with Transfer-Encoding, a broken chunked body, control characters in the target or a header, a bad Host port) (400). Never retried or counted against the upstream.", "the client."),
        ["SI"] = ("Stream idle timeout: the client sent its request body too slowly (408). Never retried or counted against the upstream.", "the client and its network; Kestrel's minimum request body data rate (240 bytes/s after a 5 s grace)."),
        ["DI"] = ("Delay injected by a fault rule.", "the route's fault.delay."),
        ["FI"] = ("Fault injected: the request was aborted by a fault rule.", "the route's fault.abort."),
        ["RL"] = ("Rate limited by the local token bucket (429).", "the causeway.io/local-rate-limit annotation on the VirtualService or Gateway."),
    };

    /// <summary>The meaning of each flag in a comma-separated flags value (Envoy joins several with ','); "-" is none.</summary>
    public static string Describe(string flags)
    {
        if (flags is "" or "-")
        {
            return "no flag: the request was answered normally (its status code is the upstream's).";
        }

        return string.Join(" ", flags.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(f => All.TryGetValue(f, out var m) ? $"{f}: {m.Meaning}" : $"{f}: not a flag Causeway sets."));
    }
}
