using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// Copies the downstream request's headers onto an upstream message, as Envoy's HTTP connection manager does:
/// hop-by-hop headers are dropped (but <c>TE: trailers</c> stays, gRPC needs it), <c>x-forwarded-for</c> gets the
/// client's address appended, <c>x-forwarded-proto</c> and <c>x-request-id</c> are set when absent and
/// <c>x-envoy-attempt-count</c> says which attempt this is, <c>x-forwarded-client-cert</c> is as Istio sets it per side. The downstream header collection is only read, never
/// written: writing unknown headers into Kestrel's collection costs a dictionary per request. Istio's metadata exchange
/// headers from downstream are never passed on: they are for this proxy, and its own replace them.
/// </summary>
internal static class UpstreamRequestHeaders
{
    /// <summary>Copies the headers; <paramref name="exchange"/>, when given, is this proxy's peer metadata for an in-mesh destination.</summary>
    public static void Copy(HttpRequest incoming, HttpRequestMessage message, UpstreamRequest target, bool copyContentHeaders, Telemetry.PeerMetadata.Own? exchange = null)
    {
        var sawProto = false;
        foreach (var (name, values) in incoming.Headers)
        {
            if (HopByHopHeaders.Contains(name))
            {
                if (name.Equals("TE", StringComparison.OrdinalIgnoreCase) && values.ToString().Contains("trailers", StringComparison.OrdinalIgnoreCase))
                {
                    message.Headers.TryAddWithoutValidation("TE", "trailers");
                }

                continue;
            }

            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                if (copyContentHeaders)
                {
                    Add(message.Content?.Headers, name, values);
                }

                continue;
            }

            if (target.TraceHeaders is not null && IsTraceHeader(name))
            {
                continue; // replaced by this proxy's span below
            }

            if (Telemetry.PeerMetadata.IsExchangeHeader(name))
            {
                continue; // a peer's metadata is for this proxy, not the application; this proxy's own goes below
            }

            if (name.Equals("x-forwarded-for", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("x-request-id", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("x-envoy-attempt-count", StringComparison.OrdinalIgnoreCase) ||
                name.Equals(Security.ForwardedClientCert.Header, StringComparison.OrdinalIgnoreCase))
            {
                continue; // written below, once
            }

            sawProto |= name.Equals("x-forwarded-proto", StringComparison.OrdinalIgnoreCase);
            Add(message.Headers, name, values);
        }

        var headers = message.Headers;
        headers.TryAddWithoutValidation("x-forwarded-for", target.ForwardedFor);
        if (!sawProto)
        {
            headers.TryAddWithoutValidation("x-forwarded-proto", incoming.Scheme);
        }

        headers.TryAddWithoutValidation("x-request-id", target.RequestId);
        headers.TryAddWithoutValidation("x-envoy-attempt-count", target.AttemptText);
        if (target.ForwardedClientCert is { } xfcc)
        {
            headers.TryAddWithoutValidation(Security.ForwardedClientCert.Header, xfcc);
        }

        if (exchange is not null)
        {
            headers.TryAddWithoutValidation(Telemetry.PeerMetadata.IdHeader, exchange.Id);
            headers.TryAddWithoutValidation(Telemetry.PeerMetadata.Header, exchange.Metadata);
        }
        if (target.TraceHeaders is { } trace)
        {
            foreach (var (traceName, value) in trace)
            {
                headers.TryAddWithoutValidation(traceName, value);
            }
        }
    }

    private static bool IsTraceHeader(string name) =>
        name.Equals("traceparent", StringComparison.OrdinalIgnoreCase) || name.Equals("tracestate", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("b3", StringComparison.OrdinalIgnoreCase) || name.StartsWith("x-b3-", StringComparison.OrdinalIgnoreCase);

    /// <summary>A single value goes in as a string: casting StringValues to IEnumerable would box and enumerate.</summary>
    private static void Add(System.Net.Http.Headers.HttpHeaders? headers, string name, StringValues values)
    {
        if (headers is null)
        {
            return;
        }

        if (values.Count == 1)
        {
            headers.TryAddWithoutValidation(name, values[0]);
        }
        else
        {
            headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
    }
}
