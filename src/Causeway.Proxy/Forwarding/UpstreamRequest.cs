using Causeway.Proxy.Routing;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// What the chosen route does to the request on its way upstream: the rewritten path and authority, the forwarding
/// headers (computed once, so a mirror carries the same request id as the real request) and the header operations
/// of the destination and of the route (the route's are applied last, so a route-level <c>:authority</c> wins over a
/// destination-level Host, as Istio's tests expect).
/// </summary>
internal sealed class UpstreamRequest(string pathAndQuery, string authority, string forwardedFor, string requestId, CompiledRoute route, RouteDestination destination)
{
    public string PathAndQuery { get; } = pathAndQuery;

    public string Authority { get; } = authority;

    /// <summary>The incoming x-forwarded-for with the client's address appended.</summary>
    public string ForwardedFor { get; } = forwardedFor;

    /// <summary>The trace headers to send upstream in place of the incoming ones (tracing on); null leaves them as they came.</summary>
    public IEnumerable<(string Name, string Value)>? TraceHeaders { get; set; }

    /// <summary>The route's name, for the access log (Envoy's %ROUTE_NAME%).</summary>
    public string RouteName => route.Route.Name;

    /// <summary>The incoming x-request-id, or a fresh UUID when there was none.</summary>
    public string RequestId { get; } = requestId;

    /// <summary>A WebSocket upgrade, relayed both ways after the 101 (the only upgrade Istio allows).</summary>
    public bool WebSocket { get; init; }

    /// <summary>The x-forwarded-client-cert to send (Istio's XFCC handling per side); null sends none.</summary>
    public string? ForwardedClientCert { get; init; }

    /// <summary>The value of x-envoy-attempt-count; retries (the resilience work) count up from 1.</summary>
    public string AttemptText { get; set; } = "1";

    public void ApplyRequestHeaders(HttpRequestMessage request)
    {
        destination.RequestHeaders?.Apply(request);
        route.RequestHeaders?.Apply(request);
    }

    public void ApplyResponseHeaders(IHeaderDictionary headers)
    {
        destination.ResponseHeaders?.Apply(headers);
        route.ResponseHeaders?.Apply(headers);
    }
}
