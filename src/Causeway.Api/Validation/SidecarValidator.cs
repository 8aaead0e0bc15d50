using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Validation;

/// <summary>Istio's admission rules for Sidecar.</summary>
internal sealed class SidecarValidator : ResourceValidator<Sidecar>
{
    protected override void Validate(Sidecar sc, ValidationContext ctx)
    {
        var spec = sc.Spec;
        var p = ValidationContext.Spec;
        if (spec.WorkloadSelector is { } ws)
        {
            if (ws.Labels is null or { Count: 0 })
            {
                ctx.Error(p.Field("workloadSelector"), "workloadSelector must select at least one label", "remove workloadSelector to apply the Sidecar to the whole namespace");
            }

            ctx.Labels(p.Field("workloadSelector").Field("labels"), ws.Labels);
        }

        var ingressPorts = new HashSet<uint>();
        for (var i = 0; i < (spec.Ingress?.Count ?? 0); i++)
        {
            var l = spec.Ingress![i];
            var lp = p.Field("ingress").At(i);
            ValidatePort(ctx, lp.Field("port"), l.Port, required: true);
            if (l.Port?.Number is { } n && !ingressPorts.Add(n))
            {
                ctx.Error(lp.Field("port"), $"ingress port {n} is declared twice");
            }

            if (l.DefaultEndpoint is { Length: > 0 } de)
            {
                ValidateDefaultEndpoint(ctx, lp.Field("defaultEndpoint"), de);
            }

            ValidateBind(ctx, lp.Field("bind"), l.Bind);
            if (l.Tls is { } tls)
            {
                GatewayValidator.ValidateServerTls(ctx, lp.Field("tls"), tls, l.Port?.Protocol?.ToUpperInvariant());
            }
        }

        var catchAllSeen = false;
        var egressPorts = new HashSet<uint>();
        for (var i = 0; i < (spec.Egress?.Count ?? 0); i++)
        {
            var l = spec.Egress![i];
            var lp = p.Field("egress").At(i);
            if (l.Port is null)
            {
                if (catchAllSeen)
                {
                    ctx.Error(lp, "only one egress listener may omit the port");
                }

                catchAllSeen = true;
            }
            else
            {
                if (catchAllSeen)
                {
                    ctx.Error(lp, "the egress listener without a port must be the last one");
                }

                ValidatePort(ctx, lp.Field("port"), l.Port, required: false);
                if (l.Port.Number is { } n && !egressPorts.Add(n))
                {
                    ctx.Error(lp.Field("port"), $"egress port {n} is declared twice");
                }
            }

            ValidateBind(ctx, lp.Field("bind"), l.Bind);
            if (l.Hosts is null or { Count: 0 })
            {
                ctx.Error(lp.Field("hosts"), "egress hosts are required", "for example \"./*\" and \"istio-system/*\"");
            }

            for (var j = 0; j < (l.Hosts?.Count ?? 0); j++)
            {
                ValidateEgressHost(ctx, lp.Field("hosts").At(j), l.Hosts![j]);
            }
        }

        if (spec.OutboundTrafficPolicy?.EgressProxy is { } proxy)
        {
            VirtualServiceValidator.ValidateDestination(ctx, p.Field("outboundTrafficPolicy").Field("egressProxy"), proxy);
            if (spec.OutboundTrafficPolicy.Mode != OutboundTrafficMode.AllowAny)
            {
                ctx.Error(p.Field("outboundTrafficPolicy").Field("egressProxy"), "egressProxy needs outboundTrafficPolicy mode ALLOW_ANY");
            }
        }
    }

    private static void ValidatePort(ValidationContext ctx, FieldPath p, SidecarPort? port, bool required)
    {
        if (port is null)
        {
            if (required)
            {
                ctx.Error(p, "port is required");
            }

            return;
        }

        ctx.Required(p.Field("number"), port.Number);
        ctx.Port(p.Field("number"), port.Number);
        ctx.Port(p.Field("targetPort"), port.TargetPort);
        if (port.Protocol is { Length: > 0 } proto && !Protocols.IsKnown(proto))
        {
            ctx.Error(p.Field("protocol"), $"unknown protocol \"{proto}\"", $"use one of {string.Join(", ", Protocols.Known)}");
        }
    }

    private static void ValidateDefaultEndpoint(ValidationContext ctx, FieldPath p, string endpoint)
    {
        if (endpoint.StartsWith("unix://", StringComparison.Ordinal))
        {
            return;
        }

        var colon = endpoint.LastIndexOf(':');
        var host = colon < 0 ? "" : endpoint[..colon].Trim('[', ']');
        var ok = colon > 0 && int.TryParse(endpoint[(colon + 1)..], out var port) && port is > 0 and <= 65535 &&
                 host is "127.0.0.1" or "0.0.0.0" or "::1" or "::";
        if (!ok)
        {
            ctx.Error(p, $"invalid defaultEndpoint \"{endpoint}\"", "use 127.0.0.1:PORT, 0.0.0.0:PORT, [::1]:PORT or unix:///path");
        }
    }

    private static void ValidateBind(ValidationContext ctx, FieldPath p, string? bind)
    {
        if (bind is { Length: > 0 } && !Names.IsIp(bind) && !bind.StartsWith("unix://", StringComparison.Ordinal))
        {
            ctx.Error(p, $"bind \"{bind}\" must be an IP address or unix:// path");
        }
    }

    private static void ValidateEgressHost(ValidationContext ctx, FieldPath p, string host)
    {
        var parts = host.Split('/');
        if (parts.Length != 2)
        {
            ctx.Error(p, $"egress host \"{host}\" must be namespace/dnsName", "for example \"./*\", \"istio-system/*\" or \"*/example.com\"");
            return;
        }

        var ns = parts[0];
        var name = parts[1];
        var nsOk = ns is "*" or "." or "~" || Names.IsDns1123Label(ns.TrimStart('~'));
        if (!nsOk)
        {
            ctx.Error(p, $"invalid namespace \"{ns}\" in egress host \"{host}\"");
        }

        if (Names.CheckHost(name) is { } error)
        {
            ctx.Error(p, error);
        }
    }
}
