using Causeway.Protocol.V1;

namespace Causeway.Proxy.Routing;

/// <summary>A virtual host's routes in order, each with its compiled match: the first that matches wins.</summary>
public sealed class CompiledVirtualHost
{
    internal CompiledVirtualHost(VirtualHost source)
    {
        Source = source;
        Routes = source.Routes.Select(r => new CompiledRoute(r)).ToArray();
    }

    public VirtualHost Source { get; }

    public CompiledRoute[] Routes { get; }

    public CompiledRoute? Match<TRequest>(ref TRequest request)
        where TRequest : struct, IRouteRequest
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
}

/// <summary>A route and its compiled match.</summary>
public sealed class CompiledRoute(Route route)
{
    public Route Route { get; } = route;

    internal CompiledMatch Match { get; } = new(route.Match);

    /// <summary>Total of the relative weights (0 when the route does not forward).</summary>
    public uint TotalWeight { get; } = route.ActionCase == Route.ActionOneofCase.Forward ? (uint)route.Forward.Clusters.Sum(c => (long)c.Weight) : 0;

    /// <summary>Picks a destination by relative weight; <paramref name="roll"/> is uniform in [0, TotalWeight).</summary>
    public WeightedCluster? Pick(uint roll)
    {
        foreach (var c in Route.Forward.Clusters)
        {
            if (roll < c.Weight)
            {
                return c;
            }

            roll -= c.Weight;
        }

        return null;
    }
}
