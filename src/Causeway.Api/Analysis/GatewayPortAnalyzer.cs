using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Kubernetes;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0101 when a Gateway's selector matches no gateway workload; IST0162 when a server port is not a port of any
/// Service in front of those workloads (traffic to it can never arrive). Mirrors Istio's gateway.IngressGatewayPortAnalyzer; when nothing matches
/// Istio's conventional gateway selector, Istio's default gateway deployment is assumed (<see cref="IstioDefaultGateway"/>).
/// </summary>
internal sealed class GatewayPortAnalyzer : IAnalyzer
{
    public string Name => "gateway.IngressGatewayPortAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.ReferencedResourceNotFound, MessageTypes.GatewayPortNotDefinedOnService];

    public void Analyze(AnalysisContext ctx)
    {
        foreach (var (source, gw) in ctx.OfKind<Gateway>())
        {
            var pods = Selectors.Workloads(ctx, gw.Spec.Selector).ToList();
            var assumed = pods.Count == 0 ? IstioDefaultGateway.For(gw.Spec.Selector) : null;
            if (pods.Count == 0 && assumed is null)
            {
                ctx.Report(MessageTypes.ReferencedResourceNotFound, source, $"Referenced selector not found: \"{Selectors.Format(gw.Spec.Selector)}\"",
                    ValidationPaths.Spec.Field("selector"), "no gateway workload has these labels; fix the selector or deploy the gateway");
                continue;
            }

            var ports = assumed is null ? new HashSet<uint>() : [.. assumed.ListenPorts];
            foreach (var (svcSource, svc) in ctx.OfKind<Service>())
            {
                var svcNs = ctx.NamespaceOf(svcSource);
                if (svc.Spec.Selector is not { Count: > 0 } selector || !pods.Any(p => p.Namespace == svcNs && Selectors.Matches(selector, p.Labels)))
                {
                    continue;
                }

                // A server port is where the gateway proxy listens, which is the Service's targetPort (Istio's default
                // ingress maps Service port 80 to 8080 in the pod); without a targetPort it is the Service port.
                foreach (var port in svc.Spec.Ports ?? [])
                {
                    if (port.Protocol is not (null or "TCP"))
                    {
                        continue;
                    }

                    if (port.TargetPort?.Number is > 0)
                    {
                        ports.Add((uint)port.TargetPort.Value.Number!.Value);
                    }
                    else if (port.Port is > 0)
                    {
                        ports.Add((uint)port.Port.Value);
                    }
                }
            }

            var servers = gw.Spec.Servers ?? [];
            for (var i = 0; i < servers.Count; i++)
            {
                if (servers[i].Port?.Number is { } number && !ports.Contains(number))
                {
                    ctx.Report(MessageTypes.GatewayPortNotDefinedOnService, source,
                        $"The gateway is listening on a target port ({number}) that is not defined in the Service associated with its workload instances.",
                        ValidationPaths.Spec.Field("servers").At(i).Field("port").Field("number"),
                        $"the gateway's Service exposes {(ports.Count == 0 ? "no ports" : string.Join(", ", ports.Order()))}");
                }
            }
        }
    }
}
