using Causeway.Api.Model.Networking;

namespace Causeway.Api.Validation;

/// <summary>Istio's admission rules for ServiceEntry, including the CEL rules of its CRD.</summary>
internal sealed class ServiceEntryValidator : ResourceValidator<ServiceEntry>
{
    protected override void Validate(ServiceEntry se, ValidationContext ctx)
    {
        var spec = se.Spec;
        var p = ValidationContext.Spec;
        var resolution = spec.Resolution ?? ServiceEntryResolution.None;

        if (spec.Hosts is null or { Count: 0 })
        {
            ctx.Error(p.Field("hosts"), "hosts is required: at least one host");
        }

        if (spec.Hosts is { Count: > 256 })
        {
            ctx.Error(p.Field("hosts"), "at most 256 hosts");
        }

        for (var i = 0; i < (spec.Hosts?.Count ?? 0); i++)
        {
            var h = spec.Hosts![i];
            if (h == "*")
            {
                ctx.Error(p.Field("hosts").At(i), "host \"*\" is not allowed in a ServiceEntry", "name the external hosts, or use outboundTrafficPolicy ALLOW_ANY");
            }
            else if (Names.CheckHost(h) is { } error)
            {
                ctx.Error(p.Field("hosts").At(i), error);
            }
            else if (h.StartsWith("*.", StringComparison.Ordinal) && resolution is ServiceEntryResolution.Dns or ServiceEntryResolution.DnsRoundRobin && spec.Endpoints is null or { Count: 0 })
            {
                ctx.Error(p.Field("hosts").At(i), $"wildcard host \"{h}\" cannot be resolved by DNS without endpoints", "list endpoints, or use resolution NONE or DYNAMIC_DNS");
            }
        }

        var hasCidr = false;
        for (var i = 0; i < (spec.Addresses?.Count ?? 0); i++)
        {
            var a = spec.Addresses![i];
            if (!Names.IsIpOrCidr(a))
            {
                ctx.Error(p.Field("addresses").At(i), $"invalid IP address or CIDR \"{a}\"");
            }

            hasCidr |= a.Contains('/', StringComparison.Ordinal);
        }

        if (hasCidr && resolution is not (ServiceEntryResolution.None or ServiceEntryResolution.Static))
        {
            ctx.Error(p.Field("addresses"), "CIDR addresses are allowed only with resolution NONE or STATIC");
        }

        var numbers = new HashSet<uint>();
        var portNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.Ports?.Count ?? 0); i++)
        {
            var port = spec.Ports![i];
            var pp = p.Field("ports").At(i);
            GatewayValidator.ValidatePort(ctx, pp, port, Protocols.Known);
            if (port.Number is { } n && !numbers.Add(n))
            {
                ctx.Error(pp.Field("number"), $"port number {n} is used twice", "port numbers must be unique in a ServiceEntry");
            }

            if (port.Name is { Length: > 0 } name && !portNames.Add(name))
            {
                ctx.Error(pp.Field("name"), $"port name \"{name}\" is used twice");
            }
        }

        if (spec.WorkloadSelector is not null && spec.Endpoints is { Count: > 0 })
        {
            ctx.Error(p.Field("workloadSelector"), "workloadSelector and endpoints are mutually exclusive");
        }

        if (spec.WorkloadSelector is not null && spec.Location != ServiceEntryLocation.MeshInternal)
        {
            ctx.Error(p.Field("workloadSelector"), "workloadSelector is allowed only with location MESH_INTERNAL");
        }

        if (spec.WorkloadSelector?.Labels is { } ml)
        {
            ctx.Selector(p.Field("workloadSelector").Field("labels"), ml);
        }

        if (resolution == ServiceEntryResolution.None && spec.Endpoints is { Count: > 0 })
        {
            ctx.Error(p.Field("endpoints"), "endpoints cannot be set with resolution NONE", "use resolution STATIC (IP endpoints) or DNS (host name endpoints)");
        }

        if (resolution == ServiceEntryResolution.DnsRoundRobin && spec.Endpoints is { Count: > 1 })
        {
            ctx.Error(p.Field("endpoints"), "resolution DNS_ROUND_ROBIN allows at most one endpoint");
        }

        if (resolution == ServiceEntryResolution.DynamicDns && spec.Endpoints is { Count: > 0 })
        {
            ctx.Error(p.Field("endpoints"), "endpoints cannot be set with resolution DYNAMIC_DNS");
        }

        if (spec.Endpoints is { Count: > 4096 })
        {
            ctx.Error(p.Field("endpoints"), "at most 4096 endpoints");
        }

        var unix = false;
        for (var i = 0; i < (spec.Endpoints?.Count ?? 0); i++)
        {
            var ep = spec.Endpoints![i];
            var ep_ = p.Field("endpoints").At(i);
            WorkloadEntryValidator.ValidateWorkload(ctx, ep_, ep, addressRequired: true);
            var address = ep.Address ?? "";
            unix |= address.StartsWith("unix://", StringComparison.Ordinal);
            if (resolution == ServiceEntryResolution.Static && address.Length > 0 && !unix && !Names.IsIp(address))
            {
                ctx.Error(ep_.Field("address"), $"endpoint address \"{address}\" must be an IP with resolution STATIC", "use resolution DNS for host names");
            }

            foreach (var portName in ep.Ports?.Keys ?? Enumerable.Empty<string>())
            {
                if (!portNames.Contains(portName))
                {
                    ctx.Error(ep_.Field("ports").Field(portName), $"endpoint port \"{portName}\" is not a port name of this ServiceEntry", $"ports are: {string.Join(", ", portNames)}");
                }
            }
        }

        if (unix && (resolution != ServiceEntryResolution.Static || spec.Ports is not { Count: 1 }))
        {
            ctx.Error(p.Field("endpoints"), "unix:// endpoints need resolution STATIC and exactly one port");
        }

        if (resolution == ServiceEntryResolution.Static && spec.Endpoints is null or { Count: 0 } && spec.WorkloadSelector is null)
        {
            ctx.Warning(p.Field("endpoints"), "resolution STATIC with no endpoints or workloadSelector: the service has no endpoints");
        }

        for (var i = 0; i < (spec.SubjectAltNames?.Count ?? 0); i++)
        {
            if (string.IsNullOrWhiteSpace(spec.SubjectAltNames![i]))
            {
                ctx.Error(p.Field("subjectAltNames").At(i), "empty subject alternative name");
            }
        }

        ctx.ExportTo(p.Field("exportTo"), spec.ExportTo);
    }
}
