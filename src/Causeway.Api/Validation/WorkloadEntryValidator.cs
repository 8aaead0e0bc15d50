using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Validation;

/// <summary>Istio's admission rules for WorkloadEntry (also used for ServiceEntry endpoints and WorkloadGroup templates).</summary>
internal sealed class WorkloadEntryValidator : ResourceValidator<WorkloadEntry>
{
    protected override void Validate(WorkloadEntry we, ValidationContext ctx) =>
        ValidateWorkload(ctx, ValidationContext.Spec, we.Spec, addressRequired: false);

    internal static void ValidateWorkload(ValidationContext ctx, FieldPath p, WorkloadEntrySpec w, bool addressRequired)
    {
        var address = w.Address;
        if (string.IsNullOrEmpty(address))
        {
            if (addressRequired || string.IsNullOrEmpty(w.Network))
            {
                ctx.Error(p.Field("address"), "address is required (or network, for a workload reached through a gateway)");
            }
        }
        else if (address.StartsWith("unix://", StringComparison.Ordinal))
        {
            if (address.Length <= "unix://".Length)
            {
                ctx.Error(p.Field("address"), "unix:// address needs a path");
            }
        }
        else if (!Names.IsIp(address) && Names.CheckHost(address, allowWildcard: false) is { } error)
        {
            ctx.Error(p.Field("address"), $"address \"{address}\" is not an IP, host name or unix:// path: {error}");
        }

        foreach (var (name, port) in w.Ports ?? [])
        {
            if (port is 0 or > 65535)
            {
                ctx.Error(p.Field("ports").Field(name), $"port {port} is out of range (1-65535)");
            }
        }

        ctx.Labels(p.Field("labels"), w.Labels);
        if (w.ServiceAccount is { Length: > 0 } sa && !Names.IsDns1123Subdomain(sa))
        {
            ctx.Error(p.Field("serviceAccount"), $"invalid service account name \"{sa}\"");
        }

        if (w.Locality is { } locality && (locality.Split('/').Length > 3 || locality.Split('/').Any(part => part.Length == 0)))
        {
            ctx.Error(p.Field("locality"), $"invalid locality \"{locality}\"", "use region, region/zone or region/zone/subzone");
        }
    }
}
