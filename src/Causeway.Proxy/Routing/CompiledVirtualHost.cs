using Causeway.Protocol.V1;

namespace Causeway.Proxy.Routing;

/// <summary>
/// A virtual host's routes in order, each with its compiled match: the first that matches wins. Longer tables go
/// through a path index that skips routes whose path could not match, keeping the order.
/// </summary>
public sealed class CompiledVirtualHost
{
    /// <summary>Below this many routes trying each in turn is as fast as consulting the index.</summary>
    private const int IndexThreshold = 8;

    /// <summary>Candidate sets up to this many words live on the stack (64 routes per word).</summary>
    private const int StackWords = 32;

    private readonly PathPrefixIndex? index;

    internal CompiledVirtualHost(VirtualHost source)
    {
        Source = source;
        Routes = source.Routes.Select(r => new CompiledRoute(r)).ToArray();
        index = Routes.Length >= IndexThreshold ? new PathPrefixIndex(source.Routes) : null;
    }

    public VirtualHost Source { get; }

    public CompiledRoute[] Routes { get; }

    public CompiledRoute? Match<TRequest>(ref TRequest request)
        where TRequest : struct, IRouteRequest
    {
        if (index is null)
        {
            foreach (var route in Routes)
            {
                if (route.Match.Matches(ref request))
                {
                    return route;
                }
            }

            return null;
        }

        var candidates = index.Words <= StackWords ? stackalloc ulong[index.Words] : new ulong[index.Words];
        candidates.Clear();
        index.Collect(request.Path, candidates);
        for (var i = PathPrefixIndex.Next(candidates, 0); i >= 0; i = PathPrefixIndex.Next(candidates, i + 1))
        {
            if (Routes[i].Match.Matches(ref request))
            {
                return Routes[i];
            }
        }

        return null;
    }
}

/// <summary>
/// A route compiled once per snapshot: its match, its resilience policy, its destinations with their header
/// operations, its rewrite, its CORS origins and its own header operations. A request reads these; it never parses or
/// formats the snapshot's protobuf.
/// </summary>
public sealed class CompiledRoute
{
    private readonly RouteDestination[] destinations;

    public CompiledRoute(Route route)
    {
        Route = route;
        Match = new CompiledMatch(route.Match);
        Policy = new Resilience.RoutePolicy(route);
        var forward = route.ActionCase == Route.ActionOneofCase.Forward ? route.Forward : null;
        destinations = forward is null ? [] : [.. forward.Clusters.Select(c => new RouteDestination(c))];
        TotalWeight = (uint)destinations.Sum(d => (long)d.Weight);
        Rewrite = PathRewrite.Compile(forward);
        RewriteAuthority = forward is { RewriteAuthority.Length: > 0 } ? forward.RewriteAuthority : null;
        Cors = route.Cors is { } cors ? new CorsOrigins(cors) : null;
        RequestHeaders = HeaderEdits.Compile(route.RequestHeaders);
        ResponseHeaders = HeaderEdits.Compile(route.ResponseHeaders);
    }

    public Route Route { get; }

    internal CompiledMatch Match { get; }

    /// <summary>Retries, timeout, faults and rate limit, compiled with the snapshot.</summary>
    public Resilience.RoutePolicy Policy { get; }

    /// <summary>Total of the relative weights (0 when the route does not forward).</summary>
    public uint TotalWeight { get; }

    public PathRewrite? Rewrite { get; }

    /// <summary>Istio's <c>rewrite.authority</c>, or null to keep the request's.</summary>
    public string? RewriteAuthority { get; }

    public CorsOrigins? Cors { get; }

    public HeaderEdits? RequestHeaders { get; }

    public HeaderEdits? ResponseHeaders { get; }

    /// <summary>Picks a destination by relative weight; <paramref name="roll"/> is uniform in [0, TotalWeight).</summary>
    public RouteDestination? Pick(uint roll)
    {
        foreach (var d in destinations)
        {
            if (roll < d.Weight)
            {
                return d;
            }

            roll -= d.Weight;
        }

        return null;
    }
}
