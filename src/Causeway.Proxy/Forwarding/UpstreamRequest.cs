using Causeway.Protocol.V1;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// What the chosen route does to the request on its way upstream: the rewritten path and authority, and the header
/// operations of the destination and of the route (the route's are applied last, so a route-level
/// <c>:authority</c> wins over a destination-level Host, as Istio's tests expect).
/// </summary>
internal sealed class UpstreamRequest(string pathAndQuery, string authority, Route route, WeightedCluster destination)
{
    public string PathAndQuery { get; } = pathAndQuery;

    public string Authority { get; } = authority;

    public void ApplyRequestHeaders(HttpRequestMessage request)
    {
        HeaderRewriter.Apply(request, destination.RequestHeaders);
        HeaderRewriter.Apply(request, route.RequestHeaders);
    }

    public void ApplyResponseHeaders(IHeaderDictionary headers)
    {
        HeaderRewriter.Apply(headers, destination.ResponseHeaders);
        HeaderRewriter.Apply(headers, route.ResponseHeaders);
    }
}
