using System.Globalization;
using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;
using Causeway.Translation.Registry;

namespace Causeway.ControlPlane.Dashboard;

/// <summary>
/// The side panel for one service (pure): the VirtualServices and DestinationRules that apply to it with file and
/// line, each subset's endpoints with the health the calling proxies report (outlier ejections included), and the
/// response flags its requests carried in the window with what each means.
/// </summary>
public static class ServiceDetailsBuilder
{
    public static ServiceDetails? Build(
        string host,
        MeshState mesh,
        IReadOnlyDictionary<string, IReadOnlyList<EndpointView>> endpointsByProxy,
        IReadOnlyDictionary<EdgeKey, EdgeRate> rates,
        IReadOnlyList<NodeProblem> problems,
        string configDirectory)
    {
        var service = mesh.Registry.Services.FirstOrDefault(s => s.Hostname == host);
        if (service is null)
        {
            return null;
        }

        var virtualServices = mesh.VirtualServices
            .Where(v => VirtualServiceScope.Of(v.Resource, mesh).Any(h => VirtualServiceScope.Covers(h, host)))
            .Select(v => Ref(v.Source, v.Resource.Spec.Gateways is { Count: > 0 } g ? [$"gateways: {string.Join(", ", g)}", .. Routes(v.Resource)] : Routes(v.Resource), configDirectory))
            .ToList();
        var rules = mesh.DestinationRules
            .Where(d => d.Resource.Spec.Host is { } h && VirtualServiceScope.Covers(mesh.Names.Fqdn(h, mesh.Names.NamespaceOf(d.Resource)), host))
            .ToList();
        var destinationRules = rules
            .Select(d => Ref(d.Source, (d.Resource.Spec.Subsets ?? []).Select(s => $"subset {s.Name}: {LabelText(s.Labels)}").ToList(), configDirectory))
            .ToList();

        var instances = mesh.Registry.Instances(service);
        var seen = Seen(host, endpointsByProxy);
        var subsets = new List<SubsetView> { Subset("(all)", null, null, service, instances, seen) };
        foreach (var subset in rules.SelectMany(d => d.Resource.Spec.Subsets ?? []).Where(s => s.Name is not null))
        {
            subsets.Add(Subset(subset.Name!, subset.Labels, subset.Name!, service, instances.Where(i => Selects(subset.Labels, i.Labels)).ToList(), seen));
        }

        var flags = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, rate) in rates)
        {
            if (key.CountsForGraph && key.DestinationService == host)
            {
                foreach (var (flag, count) in rate.Flags)
                {
                    flags[flag] = flags.GetValueOrDefault(flag) + count;
                }
            }
        }

        var flagViews = flags.OrderByDescending(f => f.Value).Select(f =>
        {
            var first = f.Key.Split(',')[0];
            var known = ResponseFlagMeanings.All.TryGetValue(first, out var m);
            return new FlagView(f.Key, Math.Round(f.Value), known ? ResponseFlagMeanings.Describe(f.Key) : $"{f.Key}: not a flag Causeway sets.", known ? m.Look : "");
        }).ToList();

        return new ServiceDetails(
            host,
            service.Namespace,
            service.Ports.Select(p => $"{p.Number}/{(p.Protocol.Length > 0 ? p.Protocol : "auto")} {p.Name}".TrimEnd()).ToList(),
            virtualServices,
            destinationRules,
            subsets,
            flagViews,
            problems);
    }

    private static ConfigRef Ref(LoadedResource source, IReadOnlyList<string> summary, string directory) =>
        new(source.Resource.Kind, source.Resource.Name, source.Resource.DeclaredNamespace,
            MeshGraphBuilder.Relative(directory, new SourceLocation(source.File, source.Line, 1)), summary);

    /// <summary>One line per HTTP route, in order (first match wins): its match, fault and destinations with weights.</summary>
    private static List<string> Routes(VirtualService vs)
    {
        var lines = new List<string>();
        foreach (var route in vs.Spec.Http ?? [])
        {
            var parts = new List<string>();
            if (route.Match is { Count: > 0 } matches)
            {
                parts.Add("when " + string.Join(" or ", matches.Select(Match)));
            }

            if (route.Fault?.Abort is { } abort)
            {
                parts.Add($"abort {abort.HttpStatus?.ToString(CultureInfo.InvariantCulture) ?? abort.GrpcStatus} {abort.Percentage?.Value ?? 100}%");
            }

            if (route.Fault?.Delay is { } delay)
            {
                parts.Add($"delay {delay.FixedDelay} {delay.Percentage?.Value ?? delay.Percent ?? 100}%");
            }

            if (route.Route is { Count: > 0 } destinations)
            {
                parts.Add("→ " + string.Join(", ", destinations.Select(d =>
                    $"{d.Destination?.Host}{(d.Destination?.Subset is { } s ? "/" + s : "")}{(destinations.Count > 1 || d.Weight is not null ? $" {d.Weight ?? 0}%" : "")}")));
            }
            else if (route.Redirect is not null)
            {
                parts.Add("redirect");
            }
            else if (route.DirectResponse is not null)
            {
                parts.Add("direct response");
            }

            lines.Add(string.Join(" ", parts));
        }

        lines.AddRange((vs.Spec.Tcp ?? []).Select(t => "tcp → " + string.Join(", ", (t.Route ?? []).Select(d => d.Destination?.Host))));
        return lines;
    }

    private static string Match(HttpMatchRequest m)
    {
        var parts = new List<string>();
        if (m.Uri is { } uri)
        {
            parts.Add($"uri {Text(uri)}");
        }

        if (m.Method is { } method)
        {
            parts.Add($"method {Text(method)}");
        }

        parts.AddRange((m.Headers ?? []).Select(h => $"{h.Key} {(h.Value is null ? "present" : Text(h.Value))}"));
        parts.AddRange((m.SourceLabels ?? []).Select(l => $"source {l.Key}={l.Value}"));
        return parts.Count == 0 ? "any" : string.Join(" and ", parts);
    }

    private static string Text(StringMatch s) => s.Exact is not null ? $"= {s.Exact}" : s.Prefix is not null ? $"prefix {s.Prefix}" : $"~ {s.Regex}";

    private static string LabelText(IReadOnlyDictionary<string, string>? labels) =>
        labels is { Count: > 0 } ? string.Join(",", labels.Select(l => $"{l.Key}={l.Value}")) : "(all endpoints)";

    private static bool Selects(IReadOnlyDictionary<string, string>? labels, IReadOnlyDictionary<string, string> instance) =>
        labels is null || labels.All(l => instance.TryGetValue(l.Key, out var v) && v == l.Value);

    /// <summary>By endpoint host, what each proxy calling this service reports, in which subset's cluster.</summary>
    private static Dictionary<string, List<(string Proxy, string Subset, EndpointView View)>> Seen(string host, IReadOnlyDictionary<string, IReadOnlyList<EndpointView>> byProxy)
    {
        var seen = new Dictionary<string, List<(string, string, EndpointView)>>(StringComparer.Ordinal);
        foreach (var (proxy, views) in byProxy)
        {
            foreach (var view in views)
            {
                if (ClusterHealth.Outbound(view.Cluster) is { } c && c.Host == host)
                {
                    var key = HostPart(view.Address);
                    if (!seen.TryGetValue(key, out var list))
                    {
                        list = [];
                        seen[key] = list;
                    }

                    list.Add((proxy, c.Subset, view));
                }
            }
        }

        return seen;
    }

    /// <summary>A subset's endpoints; <paramref name="clusterSubset"/> null is the whole service, judged from every cluster of it.</summary>
    private static SubsetView Subset(string name, IReadOnlyDictionary<string, string>? labels, string? clusterSubset, ServiceModel service,
        IReadOnlyList<WorkloadInstance> instances, Dictionary<string, List<(string Proxy, string Subset, EndpointView View)>> seen)
    {
        var endpoints = instances.OrderBy(i => i.Name, StringComparer.Ordinal).Select(i =>
        {
            var views = (seen.GetValueOrDefault(i.Address) ?? []).Where(v => clusterSubset is null || v.Subset == clusterSubset).ToList();
            // the same proxy may hold the endpoint in several port clusters: one verdict per proxy
            var perProxy = views.GroupBy(v => v.Proxy).Select(g => (Proxy: g.Key, Ejected: g.Any(v => v.View.Ejected), Healthy: g.All(v => v.View.Healthy))).ToList();
            var ports = service.Ports.Select(p => i.PortFor(p)).Distinct().Select(p => p.ToString(CultureInfo.InvariantCulture));
            return new EndpointHealthView(
                $"{i.Address}:{string.Join(",", ports)}",
                i.Name,
                i.Healthy,
                perProxy.Count(p => p.Healthy),
                perProxy.Where(p => p.Ejected).Select(p => p.Proxy).ToList(),
                perProxy.Where(p => !p.Healthy && !p.Ejected).Select(p => p.Proxy).ToList());
        }).ToList();
        return new SubsetView(name, labels ?? new Dictionary<string, string>(), endpoints);
    }

    private static string HostPart(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 ? address[..colon].Trim('[', ']') : address;
    }
}
