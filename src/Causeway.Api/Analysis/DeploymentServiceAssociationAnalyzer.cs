using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Kubernetes;

namespace Causeway.Api.Analysis;

/// <summary>
/// For meshed Deployments: IST0116 when Services selecting its pods use one port number with different protocols;
/// IST0137 when they map different ports onto the same target port. Mirrors Istio's deployment.ServiceAssociationAnalyzer.
/// </summary>
internal sealed class DeploymentServiceAssociationAnalyzer : IAnalyzer
{
    public string Name => "deployment.ServiceAssociationAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.DeploymentAssociatedToMultipleServices, MessageTypes.DeploymentConflictingPorts];

    public void Analyze(AnalysisContext ctx)
    {
        var injectedNamespaces = ctx.OfKind<Namespace>()
            .Where(n => (n.Resource.Labels.TryGetValue("istio-injection", out var v) && v == "enabled") || n.Resource.Labels.ContainsKey("istio.io/rev"))
            .Select(n => n.Resource.Name).ToHashSet(StringComparer.Ordinal);
        var services = ctx.OfKind<Service>().Select(s => (Ns: ctx.NamespaceOf(s.Source), Svc: s.Resource)).ToList();
        foreach (var (source, deployment) in ctx.OfKind<Deployment>())
        {
            var ns = ctx.NamespaceOf(source);
            var template = deployment.Spec.Template?.Metadata;
            var labels = (IReadOnlyDictionary<string, string>?)template?.Labels ?? Model.Common.Resource.EmptyLabels;
            if (!InMesh(template, injectedNamespaces.Contains(ns)))
            {
                continue;
            }

            var matching = services.Where(s => s.Ns == ns && s.Svc.Spec.Selector is { Count: > 0 } sel && Selectors.Matches(sel, labels)).Select(s => s.Svc).ToList();
            var byPort = new Dictionary<int, HashSet<string>>();
            var byTarget = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
            foreach (var svc in matching)
            {
                foreach (var port in svc.Spec.Ports ?? [])
                {
                    if (port.Port is not { } number)
                    {
                        continue;
                    }

                    if (!byPort.TryGetValue(number, out var protocols))
                    {
                        byPort[number] = protocols = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    }

                    protocols.Add(port.Protocol ?? "TCP");
                    var target = port.TargetPort?.ToString() is { Length: > 0 } t ? t : number.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (!byTarget.TryGetValue(target, out var ports))
                    {
                        byTarget[target] = ports = [];
                    }

                    ports.Add(number);
                }
            }

            var path = Diagnostics.FieldPath.Root.Field("metadata").Field("name");
            foreach (var (port, protocols) in byPort.Where(kv => kv.Value.Count > 1))
            {
                ctx.Report(MessageTypes.DeploymentAssociatedToMultipleServices, source,
                    $"This deployment {ns}/{deployment.Name} is associated with multiple services using port {port} but different protocols: {string.Join(",", protocols.Order(StringComparer.Ordinal))}",
                    path, "use one protocol per port across the Services that select this deployment");
            }

            foreach (var (target, ports) in byTarget.Where(kv => kv.Value.Count > 1))
            {
                ctx.Report(MessageTypes.DeploymentConflictingPorts, source,
                    $"This deployment {ns}/{deployment.Name} is associated with multiple services {string.Join(",", matching.Select(m => m.Name))} using targetPort \"{target}\" but different ports: [{string.Join(" ", ports.Order())}].",
                    path, "map each target port from a single service port");
            }
        }
    }

    /// <summary>Istio's rule: injected when the namespace enables injection, unless the pod template opts out (and vice versa).</summary>
    private static bool InMesh(Model.Common.ObjectMeta? template, bool namespaceInjected)
    {
        string? Value(Dictionary<string, string>? map) => map is not null && map.TryGetValue("sidecar.istio.io/inject", out var v) ? v : null;
        var optIn = Value(template?.Labels) ?? Value(template?.Annotations);
        return optIn switch
        {
            "false" => false,
            "true" => true,
            _ => namespaceInjected,
        };
    }
}
