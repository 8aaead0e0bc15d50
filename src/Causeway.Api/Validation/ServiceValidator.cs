using Causeway.Api.Model.Kubernetes;

namespace Causeway.Api.Validation;

/// <summary>
/// The parts of Kubernetes' Service validation a mesh depends on. The API server enforces these, so here they are
/// warnings: a manifest that breaks them would never reach a cluster, but it still loads for analysis.
/// </summary>
internal sealed class ServiceValidator : ResourceValidator<Service>
{
    protected override void Validate(Service svc, ValidationContext ctx)
    {
        var p = ValidationContext.Spec.Field("ports");
        var ports = svc.Spec.Ports ?? [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i];
            if (port.Port is not { } number || number is < 1 or > 65535)
            {
                ctx.Error(p.At(i).Field("port"), $"port {port.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"} is out of range (1-65535)");
            }

            if (ports.Count > 1 && string.IsNullOrEmpty(port.Name))
            {
                ctx.Warning(p.At(i).Field("name"), "ports must be named when a Service has more than one");
            }

            if (port.Name is { Length: > 0 } name && !names.Add(name))
            {
                ctx.Warning(p.At(i).Field("name"), $"port name \"{name}\" is used twice");
            }

            if (port.Protocol is { } proto && proto is not ("TCP" or "UDP" or "SCTP"))
            {
                ctx.Warning(p.At(i).Field("protocol"), $"protocol must be TCP, UDP or SCTP, not \"{proto}\"", "put the application protocol in appProtocol or the port name (http-web, grpc-api)");
            }
        }
    }
}
