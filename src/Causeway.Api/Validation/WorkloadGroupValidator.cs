using Causeway.Api.Model.Networking;

namespace Causeway.Api.Validation;

/// <summary>Istio's admission rules for WorkloadGroup: the template has no address; the probe has one handler.</summary>
internal sealed class WorkloadGroupValidator : ResourceValidator<WorkloadGroup>
{
    protected override void Validate(WorkloadGroup wg, ValidationContext ctx)
    {
        var p = ValidationContext.Spec;
        ctx.Labels(p.Field("metadata").Field("labels"), wg.Spec.Metadata?.Labels);
        if (wg.Spec.Template is null)
        {
            ctx.Error(p.Field("template"), "template is required");
        }
        else
        {
            if (!string.IsNullOrEmpty(wg.Spec.Template.Address))
            {
                ctx.Error(p.Field("template").Field("address"), "a WorkloadGroup template must not set an address", "each workload registers its own address");
            }

            var template = wg.Spec.Template;
            ctx.Labels(p.Field("template").Field("labels"), template.Labels);
            foreach (var (name, port) in template.Ports ?? [])
            {
                ctx.Port(p.Field("template").Field("ports").Field(name), port);
            }
        }

        if (wg.Spec.Probe is { } probe)
        {
            var pp = p.Field("probe");
            var handlers = (probe.HttpGet is null ? 0 : 1) + (probe.TcpSocket is null ? 0 : 1) + (probe.Exec is null ? 0 : 1) + (probe.Grpc is null ? 0 : 1);
            if (handlers != 1)
            {
                ctx.Error(pp, "probe needs exactly one of httpGet, tcpSocket, exec or grpc");
            }

            foreach (var (field, value) in new[] { ("initialDelaySeconds", probe.InitialDelaySeconds), ("timeoutSeconds", probe.TimeoutSeconds), ("periodSeconds", probe.PeriodSeconds), ("successThreshold", probe.SuccessThreshold), ("failureThreshold", probe.FailureThreshold) })
            {
                if (value is < 0)
                {
                    ctx.Error(pp.Field(field), $"{field} must not be negative");
                }
            }

            ctx.Port(pp.Field("httpGet").Field("port"), probe.HttpGet?.Port);
            ctx.Port(pp.Field("tcpSocket").Field("port"), probe.TcpSocket?.Port);
            ctx.Port(pp.Field("grpc").Field("port"), probe.Grpc?.Port);
            if (probe.Exec is { } exec && exec.Command is null or { Count: 0 })
            {
                ctx.Error(pp.Field("exec").Field("command"), "exec probe needs a command");
            }
        }
    }
}
