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

/// <summary>A route and its compiled match.</summary>
public sealed class CompiledRoute(Route route)
{
    public Route Route { get; } = route;

    internal CompiledMatch Match { get; } = new(route.Match);

    /// <summary>Retries, timeout, faults and rate limit, compiled with the snapshot.</summary>
    public Resilience.RoutePolicy Policy { get; } = new(route);

    /// <summary>Total of the relative weights (0 when the route does not forward).</summary>
    public uint TotalWeight { get; } = route.ActionCase == Route.ActionOneofCase.Forward ? (uint)route.Forward.Clusters.Sum(c => (long)c.Weight) : 0;

    /// <summary>Picks a destination by relative weight; <paramref name="roll"/> is uniform in [0, TotalWeight).</summary>
    public WeightedCluster? Pick(uint roll)
    {
        var clusters = Route.Forward.Clusters;
        for (var i = 0; i < clusters.Count; i++) // indexed: RepeatedField's enumerator is an allocated iterator
        {
            var c = clusters[i];
            if (roll < c.Weight)
            {
                return c;
            }

            roll -= c.Weight;
        }

        return null;
    }
}
