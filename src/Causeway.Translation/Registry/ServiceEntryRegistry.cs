using Causeway.Api.Loading;
using Causeway.Api.Model.Common;
using Causeway.Api.Model.Networking;

namespace Causeway.Translation.Registry;

/// <summary>
/// The registry built from ServiceEntries and WorkloadEntries: inline endpoints, or WorkloadEntries in the same
/// namespace selected by the ServiceEntry's workloadSelector (Istio's rules). Short hosts are made fully qualified
/// in the ServiceEntry's namespace.
/// </summary>
public sealed class ServiceEntryRegistry : IServiceRegistry
{
    private readonly Dictionary<ServiceModel, IReadOnlyList<WorkloadInstance>> instances = [];

    public ServiceEntryRegistry(IEnumerable<LoadedResource> resources, MeshNames names)
    {
        var list = resources.ToList();
        var workloads = new List<WorkloadInstance>();
        foreach (var r in list)
        {
            if (r.Resource is WorkloadEntry we)
            {
                workloads.Add(ToInstance(we.Spec, we.Name, names.NamespaceOf(we)) with { Healthy = IsHealthy(we) });
            }
        }

        Workloads = workloads;
        var workloadsByNamespace = workloads.GroupBy(w => w.Namespace, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var services = new List<ServiceModel>();
        foreach (var r in list)
        {
            if (r.Resource is not ServiceEntry se)
            {
                continue;
            }

            var ns = names.NamespaceOf(se);
            var ports = (se.Spec.Ports ?? []).Where(p => p.Number is > 0).Select(p => new ServicePortModel(
                p.Number!.Value, p.Name ?? "", (p.Protocol ?? "").ToUpperInvariant(), p.TargetPort is > 0 ? p.TargetPort.Value : p.Number.Value)).ToList();
            var resolution = se.Spec.Resolution switch
            {
                ServiceEntryResolution.Static => ServiceResolution.Static,
                ServiceEntryResolution.Dns => ServiceResolution.Dns,
                ServiceEntryResolution.DnsRoundRobin => ServiceResolution.DnsRoundRobin,
                ServiceEntryResolution.DynamicDns => ServiceResolution.DynamicDns,
                _ => ServiceResolution.None,
            };
            IReadOnlyList<WorkloadInstance> endpoints = se.Spec.WorkloadSelector?.Labels is { Count: > 0 } selector
                ? (workloadsByNamespace.GetValueOrDefault(ns) ?? []).Where(w => Matches(selector, w.Labels)).ToList()
                : (se.Spec.Endpoints ?? []).Select((e, i) => ToInstance(e, $"{se.Name}-endpoint-{i}", ns)).ToList();
            if (resolution == ServiceResolution.None)
            {
                endpoints = []; // NONE: traffic goes to the original destination; there are no endpoints to pick
            }

            foreach (var host in se.Spec.Hosts ?? [])
            {
                var service = new ServiceModel(names.Fqdn(host, ns), ns, ports, se.Spec.ExportTo ?? [], se.Spec.Addresses ?? [], resolution,
                    se.Spec.Location == ServiceEntryLocation.MeshInternal, r);
                services.Add(service);
                instances[service] = endpoints;
            }
        }

        Services = services;
        foreach (var (selecting, members) in instances)
        {
            foreach (var w in members)
            {
                var key = (w.Namespace, w.Name);
                if (!servicesByWorkload.TryGetValue(key, out var of))
                {
                    servicesByWorkload[key] = of = [];
                }

                of.Add(selecting);
            }
        }
    }

    private readonly Dictionary<(string Ns, string Name), List<ServiceModel>> servicesByWorkload = [];

    public IReadOnlyList<ServiceModel> ServicesOf(string ns, string name) => servicesByWorkload.GetValueOrDefault((ns, name)) ?? [];

    public IReadOnlyList<ServiceModel> Services { get; }

    public IReadOnlyList<WorkloadInstance> Workloads { get; }

    public IReadOnlyList<WorkloadInstance> Instances(ServiceModel service) => instances.GetValueOrDefault(service) ?? [];

    /// <summary>
    /// Istio's WorkloadEntry health: with the annotation <c>proxy.istio.io/health-checks-enabled: "true"</c>, a
    /// workload is ready only once its status carries condition <c>Healthy</c> = <c>"True"</c> (set by its agent's
    /// probes); without the annotation it is always ready.
    /// </summary>
    internal static bool IsHealthy(WorkloadEntry we)
    {
        if (!we.Annotations.TryGetValue("proxy.istio.io/health-checks-enabled", out var enabled) || !enabled.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return we.Status?["conditions"] is System.Text.Json.Nodes.JsonArray conditions && conditions.Any(c =>
            c?["type"]?.GetValue<string>() == "Healthy" && c["status"]?.GetValue<string>() == "True");
    }

    internal static bool Matches(IReadOnlyDictionary<string, string>? selector, IReadOnlyDictionary<string, string> labels) =>
        selector is null || selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static WorkloadInstance ToInstance(WorkloadEntrySpec spec, string name, string ns) => new(
        name,
        ns,
        spec.Address ?? "",
        (IReadOnlyDictionary<string, string>?)spec.Labels ?? Resource.EmptyLabels,
        (IReadOnlyDictionary<string, uint>?)spec.Ports ?? new Dictionary<string, uint>(),
        spec.Locality ?? "",
        spec.Weight is > 0 ? spec.Weight.Value : 1,
        spec.ServiceAccount ?? "default",
        Healthy: true);
}
