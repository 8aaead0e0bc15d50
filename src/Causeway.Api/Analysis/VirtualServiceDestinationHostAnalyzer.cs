using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0101 for destination and mirror hosts (and host:port) that no Service or ServiceEntry provides to the
/// VirtualService's namespace; IST0112 when a destination omits the port of a multi-port service; IST0140 when a
/// gateway-bound route targets a host whose subsets are routed by a mesh VirtualService (which gateways ignore).
/// Mirrors Istio's virtualservice.DestinationHostAnalyzer.
/// </summary>
internal sealed class VirtualServiceDestinationHostAnalyzer : IAnalyzer
{
    public string Name => "virtualservice.DestinationHostAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } =
        [MessageTypes.ReferencedResourceNotFound, MessageTypes.VirtualServiceDestinationPortSelectorRequired, MessageTypes.IngressRouteRulesNotAffected];

    public void Analyze(AnalysisContext ctx)
    {
        var subsetRouters = SubsetRoutingVirtualServices(ctx);
        foreach (var (source, vs) in ctx.OfKind<VirtualService>())
        {
            var ns = ctx.NamespaceOf(source);
            foreach (var d in RouteDestinations.Routes(vs.Spec).Concat(RouteDestinations.Mirrors(vs.Spec)))
            {
                var host = d.Destination.Host ?? "";
                var service = ctx.FindDestination(ns, vs.Spec.ExportTo, host);
                var what = d.IsMirror ? "mirror host" : "host";
                if (service is null)
                {
                    ctx.Report(MessageTypes.ReferencedResourceNotFound, source, $"Referenced {what} not found: \"{host}\"", d.Path.Field("host"),
                        "define the service (a Kubernetes Service or a ServiceEntry) or fix the host name; short names resolve in the VirtualService's namespace");
                    continue;
                }

                CheckPort(ctx, source, d, service);
            }

            if (vs.Spec.Gateways is { Count: > 0 })
            {
                ReportIneffectiveSubsetRouting(ctx, source, vs, subsetRouters);
            }
        }
    }

    private static void CheckPort(AnalysisContext ctx, Loading.LoadedResource source, RouteDestinationRef d, ServiceRecord service)
    {
        var host = d.Destination.Host;
        if (d.Destination.Port?.Number is not { } port)
        {
            if (service.Ports.Count > 1)
            {
                var ports = string.Join(", ", service.Ports.Select(p => p.Number));
                ctx.Report(MessageTypes.VirtualServiceDestinationPortSelectorRequired, source,
                    $"This VirtualService routes to a service \"{host}\" that exposes multiple ports [{ports}]. Specifying a port in the destination is required to disambiguate.",
                    d.Path, "add destination.port.number");
            }

            return;
        }

        if (service.Ports.All(p => p.Number != port))
        {
            ctx.Report(MessageTypes.ReferencedResourceNotFound, source, $"Referenced host:port not found: \"{host}:{port}\"", d.Path.Field("port"),
                $"the service's ports are {string.Join(", ", service.Ports.Select(p => p.Number))}");
        }
    }

    /// <summary>Mesh VirtualServices that route their own host to subsets: (vs name, destination host) pairs.</summary>
    private static List<(string VirtualService, string Host)> SubsetRoutingVirtualServices(AnalysisContext ctx)
    {
        var list = new List<(string, string)>();
        foreach (var (source, vs) in ctx.OfKind<VirtualService>())
        {
            foreach (var http in vs.Spec.Http ?? [])
            {
                foreach (var route in http.Route ?? [])
                {
                    if (route.Destination is { Subset: { Length: > 0 }, Host: { } host } && (vs.Spec.Hosts ?? []).Contains(host))
                    {
                        list.Add(($"{ctx.NamespaceOf(source)}/{vs.Name}", host));
                    }
                }
            }
        }

        return list;
    }

    private static void ReportIneffectiveSubsetRouting(AnalysisContext ctx, Loading.LoadedResource source, VirtualService vs, List<(string VirtualService, string Host)> subsetRouters)
    {
        for (var i = 0; i < (vs.Spec.Http?.Count ?? 0); i++)
        {
            var routes = vs.Spec.Http![i].Route ?? [];
            for (var j = 0; j < routes.Count; j++)
            {
                var dest = routes[j].Destination;
                if (dest is null || !string.IsNullOrEmpty(dest.Subset))
                {
                    continue;
                }

                foreach (var (other, host) in subsetRouters)
                {
                    if (host == dest.Host)
                    {
                        ctx.Report(MessageTypes.IngressRouteRulesNotAffected, source,
                            $"Subset routing in VirtualService {other} has no effect on traffic through this gateway-bound VirtualService {ctx.NamespaceOf(source)}/{vs.Name}",
                            ValidationPaths.Spec.Field("http").At(i).Field("route").At(j).Field("destination").Field("host"),
                            "route to the subset here as well, or bind the other VirtualService to this gateway");
                    }
                }
            }
        }
    }
}
