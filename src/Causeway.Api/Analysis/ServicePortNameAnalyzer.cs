using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Kubernetes;
using Causeway.Api.Validation;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0118: a Service port neither sets appProtocol nor follows Istio's <c>&lt;protocol&gt;[-suffix]</c> naming, so
/// the protocol must be sniffed. IST0150: an ExternalName Service port must name an application protocol other than
/// TCP (a TCP ExternalName port is matched on the port alone). Istio's own services (labels istio or release=istio)
/// are skipped. Mirrors Istio's service.PortNameAnalyzer.
/// </summary>
internal sealed class ServicePortNameAnalyzer : IAnalyzer
{
    public string Name => "service.PortNameAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.PortNameIsNotUnderNamingConvention, MessageTypes.ExternalNameServiceTypeInvalidPortName];

    public void Analyze(AnalysisContext ctx)
    {
        foreach (var (source, svc) in ctx.OfKind<Service>())
        {
            if (svc.Labels.ContainsKey("istio") || (svc.Labels.TryGetValue("release", out var release) && release == "istio") || ctx.NamespaceOf(source) == "kube-system")
            {
                continue;
            }

            var externalName = svc.Spec.Type == "ExternalName";
            var ports = svc.Spec.Ports ?? [];
            for (var i = 0; i < ports.Count; i++)
            {
                var port = ports[i];
                var path = ValidationPaths.Spec.Field("ports").At(i);
                if (!string.IsNullOrEmpty(port.AppProtocol))
                {
                    continue;
                }

                var protocol = Protocols.FromPortName(port.Name);
                if (externalName)
                {
                    if (protocol is null or "TCP")
                    {
                        ctx.Report(MessageTypes.ExternalNameServiceTypeInvalidPortName, source,
                            $"Port name \"{port.Name}\" (port {port.Port}) of ExternalName service is invalid. The proxy may not forward TCP traffic correctly.",
                            path.Field("name"), "name the port after its application protocol, e.g. https-web or http-api");
                    }

                    continue;
                }

                if (protocol is null)
                {
                    ctx.Report(MessageTypes.PortNameIsNotUnderNamingConvention, source,
                        $"Port name {port.Name ?? "(unnamed)"} (port: {port.Port}, targetPort: {port.TargetPort}) doesn't follow the naming convention of Istio port.",
                        path.Field("name"), "name it <protocol>[-suffix] (http, http2, grpc, tcp, tls, ...) or set appProtocol");
                }
            }
        }
    }
}
