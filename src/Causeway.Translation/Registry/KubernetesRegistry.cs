using Causeway.Api.Loading;
using Causeway.Api.Model.Common;
using Causeway.Api.Model.Kubernetes;
using Causeway.Api.Validation;

namespace Causeway.Translation.Registry;

/// <summary>
/// The registry Istio builds from Kubernetes: each Service is the host <c>name.namespace.svc.DOMAIN</c>, its instances
/// come from the EndpointSlices labelled <c>kubernetes.io/service-name</c> (ready endpoints healthy, not-ready ones
/// kept but unhealthy, as Envoy is told), each endpoint's pod giving labels, service account and locality. A Service
/// with no EndpointSlice at all selects its pods itself, as the endpoints controller would: a YAML directory can
/// declare a Service and its Pods without writing slices by hand. Every running Pod with an IP is a workload (a
/// sidecar looks itself up by pod name). Port protocol: appProtocol first, then the port name's
/// <c>&lt;protocol&gt;[-suffix]</c>, else unspecified (sniffed), UDP ports dropped; headless Services go to the
/// original destination (Envoy's ORIGINAL_DST) and ExternalName ones resolve the external name by DNS.
/// </summary>
public sealed class KubernetesRegistry : IServiceRegistry
{
    /// <summary>Istio's annotation restricting where a Service is visible (comma-separated namespaces, "." or "*").</summary>
    public const string ExportToAnnotation = "networking.istio.io/exportTo";

    private const string ServiceNameLabel = "kubernetes.io/service-name";
    private readonly Dictionary<ServiceModel, IReadOnlyList<WorkloadInstance>> instances = [];
    private readonly Dictionary<(string Ns, string Name), List<ServiceModel>> servicesByWorkload = [];

    public KubernetesRegistry(IEnumerable<LoadedResource> resources, MeshNames names)
    {
        var services = new List<(LoadedResource Source, Service Service)>();
        var slices = new Dictionary<(string Ns, string Service), List<EndpointSlice>>();
        var pods = new Dictionary<(string Ns, string Name), Pod>();
        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var r in resources)
        {
            switch (r.Resource)
            {
                case Service s:
                    services.Add((r, s));
                    break;
                case EndpointSlice es when es.Labels.TryGetValue(ServiceNameLabel, out var owner):
                    var key = (names.NamespaceOf(es), owner);
                    if (!slices.TryGetValue(key, out var list))
                    {
                        slices[key] = list = [];
                    }

                    list.Add(es);
                    break;
                case Pod p:
                    pods[(names.NamespaceOf(p), p.Name)] = p;
                    break;
                case Node n:
                    nodes[n.Name] = n;
                    break;
            }
        }

        var workloads = new Dictionary<(string Ns, string Name), WorkloadInstance>();
        foreach (var (key, pod) in pods)
        {
            if (PodAddress(pod) is { } address && pod.Status?.Phase is not ("Succeeded" or "Failed"))
            {
                workloads[key] = ToWorkload(pod, key.Ns, address, nodes);
            }
        }

        Workloads = [.. workloads.Values];
        var models = new List<ServiceModel>();
        foreach (var (source, service) in services)
        {
            var ns = names.NamespaceOf(service);
            var model = ToService(service, ns, names, source);
            models.Add(model);
            IReadOnlyList<WorkloadInstance> members = service.Spec.Type == "ExternalName"
                ? [new WorkloadInstance(service.Name, ns, service.Spec.ExternalName ?? "", Resource.EmptyLabels, new Dictionary<string, uint>(), "", 1, "", Healthy: true)]
                : slices.TryGetValue((ns, service.Name), out var owned)
                    ? FromSlices(owned, ns, pods, workloads)
                    : service.Spec.Selector is { Count: > 0 } selector
                        ? Workloads.Where(w => w.Namespace == ns && ServiceEntryRegistry.Matches(selector, w.Labels))
                            .Select(w => w with { Ports = TargetPorts(service, pods.GetValueOrDefault((w.Namespace, w.Name))) }).ToList()
                        : [];
            instances[model] = members;
            foreach (var w in members)
            {
                if (!servicesByWorkload.TryGetValue((w.Namespace, w.Name), out var of))
                {
                    servicesByWorkload[(w.Namespace, w.Name)] = of = [];
                }

                of.Add(model);
            }
        }

        Services = models;
    }

    public IReadOnlyList<ServiceModel> Services { get; }

    public IReadOnlyList<WorkloadInstance> Workloads { get; }

    public IReadOnlyList<WorkloadInstance> Instances(ServiceModel service) => instances.GetValueOrDefault(service) ?? [];

    public IReadOnlyList<ServiceModel> ServicesOf(string ns, string name) => servicesByWorkload.GetValueOrDefault((ns, name)) ?? [];

    /// <summary>Istio's protocol of a Service port: appProtocol, else the name's prefix, else unspecified ("").</summary>
    public static string PortProtocol(ServicePort port)
    {
        if (!string.IsNullOrEmpty(port.AppProtocol))
        {
            // appProtocol may be a plain protocol or a prefixed one such as kubernetes.io/h2c.
            var app = port.AppProtocol.ToUpperInvariant() switch
            {
                "KUBERNETES.IO/H2C" => "HTTP2",
                "KUBERNETES.IO/WS" or "KUBERNETES.IO/WSS" => "HTTP",
                var other => other,
            };
            if (Protocols.IsKnown(app))
            {
                return app;
            }
        }

        return Protocols.FromPortName(port.Name) ?? "";
    }

    private static ServiceModel ToService(Service service, string ns, MeshNames names, LoadedResource source)
    {
        var spec = service.Spec;
        var ports = (spec.Ports ?? [])
            .Where(p => p.Port is > 0 && !string.Equals(p.Protocol, "UDP", StringComparison.OrdinalIgnoreCase))
            .Select(p => new ServicePortModel((uint)p.Port!.Value, p.Name ?? "", PortProtocol(p),
                p.TargetPort is { Number: > 0 } target ? (uint)target.Number.Value : (uint)p.Port.Value))
            .ToList();
        var headless = string.Equals(spec.ClusterIp, "None", StringComparison.Ordinal);
        var resolution = spec.Type == "ExternalName" ? ServiceResolution.Dns : headless ? ServiceResolution.None : ServiceResolution.Static;
        IReadOnlyList<string> addresses = headless ? [] : spec.ClusterIps is { Count: > 0 } ips ? ips : spec.ClusterIp is { Length: > 0 } ip ? [ip] : [];
        IReadOnlyList<string> exportTo = service.Annotations.TryGetValue(ExportToAnnotation, out var export)
            ? export.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : [];
        return new ServiceModel($"{service.Name}.{ns}.svc.{names.ClusterDomain}".ToLowerInvariant(), ns, ports, exportTo, addresses, resolution,
            MeshInternal: true, source);
    }

    /// <summary>
    /// Where a selected pod serves each Service port, as the endpoints controller resolves it: a numeric targetPort
    /// as it is, a named one by the pod's container port of that name (a port the pod does not name is left out),
    /// none by the Service port itself.
    /// </summary>
    private static Dictionary<string, uint> TargetPorts(Service service, Pod? pod)
    {
        var ports = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var port in service.Spec.Ports ?? [])
        {
            if (port.Port is not > 0)
            {
                continue;
            }

            if (port.TargetPort is { Number: > 0 } number)
            {
                ports[port.Name ?? ""] = (uint)number.Number!.Value;
            }
            else if (port.TargetPort is { Name: { Length: > 0 } name })
            {
                var named = (pod?.Spec.Containers ?? []).SelectMany(c => c.Ports ?? []).FirstOrDefault(c => c.Name == name && c.ContainerPort is > 0);
                if (named is not null)
                {
                    ports[port.Name ?? ""] = (uint)named.ContainerPort!.Value;
                }
            }
            else
            {
                ports[port.Name ?? ""] = (uint)port.Port.Value;
            }
        }

        return ports;
    }

    private static List<WorkloadInstance> FromSlices(
        List<EndpointSlice> slices,
        string ns,
        Dictionary<(string Ns, string Name), Pod> pods,
        Dictionary<(string Ns, string Name), WorkloadInstance> workloads)
    {
        var result = new List<WorkloadInstance>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slice in slices.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            // A named service port is served on the slice port of the same name (the slice's ports carry the
            // target ports, resolved per pod by the endpoints controller).
            var ports = (slice.Ports ?? []).Where(p => p.Port is > 0).ToDictionary(p => p.Name ?? "", p => (uint)p.Port!.Value, StringComparer.Ordinal);
            var index = 0;
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                var healthy = endpoint.Conditions?.Ready is not false;
                foreach (var address in endpoint.Addresses ?? [])
                {
                    index++;
                    if (!seen.Add(address))
                    {
                        continue; // the same address in two slices (a slice being replaced): once
                    }

                    var podKey = (endpoint.TargetRef?.Namespace ?? ns, endpoint.TargetRef?.Name ?? "");
                    if (endpoint.TargetRef?.Kind == "Pod" && workloads.TryGetValue(podKey, out var pod))
                    {
                        result.Add(pod with { Address = address, Ports = ports, Healthy = healthy, Locality = pod.Locality.Length > 0 ? pod.Locality : Locality(null, endpoint.Zone, null) });
                    }
                    else
                    {
                        var name = endpoint.TargetRef?.Name is { Length: > 0 } target ? target : $"{slice.Name}-{index}";
                        var labels = pods.TryGetValue(podKey, out var p) ? p.Labels : Resource.EmptyLabels;
                        result.Add(new WorkloadInstance(name, ns, address, labels, ports, Locality(null, endpoint.Zone, null), 1,
                            p?.Spec.ServiceAccountName ?? "default", healthy));
                    }
                }
            }
        }

        return result;
    }

    private static WorkloadInstance ToWorkload(Pod pod, string ns, string address, Dictionary<string, Node> nodes)
    {
        var ports = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var port in (pod.Spec.Containers ?? []).SelectMany(c => c.Ports ?? []))
        {
            if (port.Name is { Length: > 0 } name && port.ContainerPort is > 0)
            {
                ports.TryAdd(name, (uint)port.ContainerPort.Value);
            }
        }

        // Istio: the pod label istio-locality (region.zone.subzone) wins; else the node's topology labels.
        string locality;
        if (pod.Labels.TryGetValue("istio-locality", out var label))
        {
            locality = label.Replace('.', '/');
        }
        else
        {
            var node = pod.Spec.NodeName is { } n ? nodes.GetValueOrDefault(n) : null;
            locality = Locality(node?.Labels.GetValueOrDefault("topology.kubernetes.io/region"), node?.Labels.GetValueOrDefault("topology.kubernetes.io/zone"),
                node?.Labels.GetValueOrDefault("topology.istio.io/subzone"));
        }

        var ready = pod.Status?.Conditions is not { } conditions || conditions.Any(c => c.Type == "Ready" && c.Status == "True");
        return new WorkloadInstance(pod.Name, ns, address, pod.Labels, ports, locality, 1, pod.Spec.ServiceAccountName ?? "default", ready);
    }

    private static string Locality(string? region, string? zone, string? subzone) =>
        string.IsNullOrEmpty(zone) && string.IsNullOrEmpty(region) ? "" : string.Join('/', new[] { region ?? "", zone ?? "", subzone ?? "" }).TrimEnd('/');

    private static string? PodAddress(Pod pod) =>
        pod.Status?.PodIp is { Length: > 0 } ip ? ip : pod.Status?.PodIps?.FirstOrDefault()?.Ip is { Length: > 0 } first ? first : null;
}
