using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Model.Common;
using Causeway.Api.Model.Kubernetes;
using Causeway.Api.Model.Networking;
using Causeway.Api.Validation;

namespace Causeway.Api.Analysis;

/// <summary>
/// The resources under analysis, indexed once (services by host, gateways by name, workloads by namespace) so each
/// analyzer is a few lookups, and the sink the analyzers report to.
/// </summary>
internal sealed class AnalysisContext
{
    private readonly Dictionary<string, List<ServiceRecord>> servicesByHost = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Ns, string Name), LoadedResource> gateways = [];

    public AnalysisContext(IReadOnlyList<LoadedResource> resources, AnalysisOptions options)
    {
        Resources = resources;
        Options = options;
        foreach (var r in resources)
        {
            switch (r.Resource)
            {
                case Service svc:
                    AddService(r, svc);
                    break;
                case ServiceEntry se:
                    AddServiceEntry(r, se);
                    break;
                case Gateway:
                    gateways[(NamespaceOf(r), r.Resource.Name)] = r;
                    break;
            }
        }

        Workloads = BuildWorkloads(resources);
    }

    public IReadOnlyList<LoadedResource> Resources { get; }

    public AnalysisOptions Options { get; }

    public List<Diagnostic> Diagnostics { get; } = [];

    public IEnumerable<ServiceRecord> Services => servicesByHost.Values.SelectMany(s => s);

    /// <summary>Pods and WorkloadEntries with their namespace and labels (what selectors select).</summary>
    public IReadOnlyList<WorkloadRecord> Workloads { get; }

    public IEnumerable<(LoadedResource Source, T Resource)> OfKind<T>()
        where T : Resource
    {
        foreach (var r in Resources)
        {
            if (r.Resource is T t)
            {
                yield return (r, t);
            }
        }
    }

    public string NamespaceOf(LoadedResource r) => NamespaceOf(r.Resource);

    public string NamespaceOf(Resource r) => string.IsNullOrEmpty(r.Metadata.Namespace) ? Options.DefaultNamespace : r.Metadata.Namespace;

    /// <summary>Istio's short-name rule: a host without dots is <c>name.namespace.svc.cluster.local</c>.</summary>
    public string Fqdn(string host, string ns) =>
        host.StartsWith('*') || host.Contains('.', StringComparison.Ordinal) ? host : $"{host}.{ns}.svc.{Options.ClusterDomain}";

    /// <summary>
    /// The (namespace, name) a host names when it is a Kubernetes service host (<c>name.ns.svc.cluster.local</c>),
    /// otherwise (<paramref name="ns"/>, host): how Istio's analyzers key DestinationRules and subsets.
    /// </summary>
    public (string Ns, string Name) ResourceNameOf(string host, string ns)
    {
        var suffix = ".svc." + Options.ClusterDomain;
        if (host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
        {
            var parts = host[..^suffix.Length].Split('.');
            if (parts.Length == 2)
            {
                return (parts[1], parts[0]);
            }
        }

        return (ns, host);
    }

    /// <summary>
    /// Istio's destination lookup (analyzers/util GetDestinationHost): a service exported to all namespaces, else one
    /// exported to each namespace the referring resource is exported to (its own when exportTo is empty), else a
    /// wildcard ServiceEntry host visible to the referring namespace whose suffix matches.
    /// </summary>
    public ServiceRecord? FindDestination(string sourceNs, IReadOnlyList<string>? exportTo, string host)
    {
        var fqdn = Fqdn(host, sourceNs);
        var candidates = ServicesFor(fqdn);
        foreach (var c in candidates)
        {
            if (c.ExportsToAll)
            {
                return c;
            }
        }

        var scopes = exportTo is null or { Count: 0 } ? [sourceNs] : exportTo.Select(e => e == "." ? sourceNs : e).ToList();
        foreach (var scope in scopes)
        {
            foreach (var c in candidates)
            {
                if (c.ExportedTo(scope))
                {
                    return c;
                }
            }
        }

        var bare = fqdn.TrimStart('*');
        foreach (var s in Services)
        {
            if (s.Host.StartsWith('*') && (s.ExportsToAll || s.ExportedTo(sourceNs)) && bare.EndsWith(s.Host.TrimStart('*'), StringComparison.OrdinalIgnoreCase))
            {
                return s;
            }
        }

        return null;
    }

    public IReadOnlyList<ServiceRecord> ServicesFor(string fqdn) => servicesByHost.GetValueOrDefault(fqdn) ?? (IReadOnlyList<ServiceRecord>)[];

    public LoadedResource? FindGateway(string ns, string name) => gateways.GetValueOrDefault((ns, name));

    public static bool Selects(IReadOnlyDictionary<string, string>? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null)
        {
            return true;
        }

        foreach (var (k, v) in selector)
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v)
            {
                return false;
            }
        }

        return true;
    }

    public void Report(MessageType type, LoadedResource resource, string message, FieldPath? path = null, string? hint = null) =>
        Diagnostics.Add(new Diagnostic(type, type.DefaultSeverity, message, resource.Ref, resource.Locate(path ?? FieldPath.Root), path is null || path.IsRoot ? null : path.ToString(), hint));

    private void AddService(LoadedResource r, Service svc)
    {
        var ns = NamespaceOf(r);
        var ports = (svc.Spec.Ports ?? []).Where(p => p.Port is > 0)
            .Select(p => new ServicePortRecord((uint)p.Port!.Value, p.Name, p.AppProtocol?.ToUpperInvariant() ?? Protocols.FromPortName(p.Name)))
            .ToList();
        var exportTo = svc.Annotations.TryGetValue("networking.istio.io/exportTo", out var e)
            ? e.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : [];
        Add(new ServiceRecord(Fqdn(svc.Name, ns), ns, ports, exportTo, svc.Spec.Selector, r));
    }

    private void AddServiceEntry(LoadedResource r, ServiceEntry se)
    {
        var ns = NamespaceOf(r);
        var ports = (se.Spec.Ports ?? []).Where(p => p.Number is > 0)
            .Select(p => new ServicePortRecord(p.Number!.Value, p.Name, p.Protocol?.ToUpperInvariant()))
            .ToList();
        foreach (var host in se.Spec.Hosts ?? [])
        {
            Add(new ServiceRecord(Fqdn(host, ns), ns, ports, se.Spec.ExportTo ?? [], se.Spec.WorkloadSelector?.Labels, r));
        }
    }

    private void Add(ServiceRecord record)
    {
        if (!servicesByHost.TryGetValue(record.Host, out var list))
        {
            servicesByHost[record.Host] = list = [];
        }

        list.Add(record);
    }

    private List<WorkloadRecord> BuildWorkloads(IReadOnlyList<LoadedResource> resources)
    {
        var list = new List<WorkloadRecord>();
        foreach (var r in resources)
        {
            switch (r.Resource)
            {
                case Pod pod:
                    list.Add(new WorkloadRecord(NamespaceOf(r), pod.Labels, pod.Annotations, pod.Spec.NodeName, r));
                    break;
                case Deployment { Spec.Template: { } template }:
                    // Analysing files, the pods do not exist yet: a Deployment's template stands for them.
                    list.Add(new WorkloadRecord(NamespaceOf(r), (IReadOnlyDictionary<string, string>?)template.Metadata?.Labels ?? Resource.EmptyLabels,
                        (IReadOnlyDictionary<string, string>?)template.Metadata?.Annotations ?? Resource.EmptyLabels, template.Spec?.NodeName, r));
                    break;
                case WorkloadEntry we:
                    list.Add(new WorkloadRecord(NamespaceOf(r), (IReadOnlyDictionary<string, string>?)we.Spec.Labels ?? Resource.EmptyLabels, we.Annotations, null, r));
                    break;
            }
        }

        return list;
    }
}

/// <summary>
/// A workload instance as selectors see it: a Pod, the pod template of a Deployment (when analysing files the pods
/// do not exist yet), or a WorkloadEntry.
/// </summary>
internal sealed record WorkloadRecord(
    string Namespace,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    string? NodeName,
    LoadedResource Source);
