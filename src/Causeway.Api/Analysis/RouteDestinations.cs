using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>A destination referenced by a VirtualService, with the path of its <c>destination</c> field.</summary>
internal sealed record RouteDestinationRef(Destination Destination, FieldPath Path, bool IsMirror);

/// <summary>Enumerates every destination a VirtualService names: http/tcp/tls routes and http mirrors.</summary>
internal static class RouteDestinations
{
    public static IEnumerable<RouteDestinationRef> Routes(VirtualServiceSpec spec)
    {
        var spec0 = ValidationPaths.Spec;
        for (var i = 0; i < (spec.Http?.Count ?? 0); i++)
        {
            var routes = spec.Http![i].Route ?? [];
            for (var j = 0; j < routes.Count; j++)
            {
                if (routes[j].Destination is { } d)
                {
                    yield return new(d, spec0.Field("http").At(i).Field("route").At(j).Field("destination"), false);
                }
            }
        }

        foreach (var (field, list) in new[] { ("tcp", spec.Tcp?.Select(t => t.Route).ToList()), ("tls", spec.Tls?.Select(t => t.Route).ToList()) })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                var routes = list![i] ?? [];
                for (var j = 0; j < routes.Count; j++)
                {
                    if (routes[j].Destination is { } d)
                    {
                        yield return new(d, spec0.Field(field).At(i).Field("route").At(j).Field("destination"), false);
                    }
                }
            }
        }
    }

    public static IEnumerable<RouteDestinationRef> Mirrors(VirtualServiceSpec spec)
    {
        for (var i = 0; i < (spec.Http?.Count ?? 0); i++)
        {
            var http = spec.Http![i];
            var hp = ValidationPaths.Spec.Field("http").At(i);
            if (http.Mirror is { } m)
            {
                yield return new(m, hp.Field("mirror"), true);
            }

            for (var j = 0; j < (http.Mirrors?.Count ?? 0); j++)
            {
                if (http.Mirrors![j].Destination is { } d)
                {
                    yield return new(d, hp.Field("mirrors").At(j).Field("destination"), true);
                }
            }
        }
    }
}

internal static class ValidationPaths
{
    public static FieldPath Spec { get; } = FieldPath.Root.Field("spec");
}
