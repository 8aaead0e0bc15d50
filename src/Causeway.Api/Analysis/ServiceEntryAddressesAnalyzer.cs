using System.Text.Json.Nodes;
using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0134: a ServiceEntry with a TCP (or unspecified) port and no addresses matches by port alone, capturing any
/// destination on that port. Not reported when Istio allocated addresses (status.addresses) or when the mesh's DNS
/// proxy auto-allocates them. Mirrors Istio's serviceentry.ProtocolAddressesAnalyzer.
/// </summary>
internal sealed class ServiceEntryAddressesAnalyzer : IAnalyzer
{
    public string Name => "serviceentry.ProtocolAddressesAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.ServiceEntryAddressesRequired];

    public void Analyze(AnalysisContext ctx)
    {
        if (ctx.Options.DnsAutoAllocate)
        {
            return;
        }

        foreach (var (source, se) in ctx.OfKind<ServiceEntry>())
        {
            if (se.Spec.Addresses is { Count: > 0 } || HasAllocatedAddresses(se.Status))
            {
                continue;
            }

            var ports = se.Spec.Ports ?? [];
            for (var i = 0; i < ports.Count; i++)
            {
                var protocol = ports[i].Protocol;
                if (string.IsNullOrEmpty(protocol) || protocol.Equals("TCP", StringComparison.OrdinalIgnoreCase))
                {
                    ctx.Report(MessageTypes.ServiceEntryAddressesRequired, source,
                        "ServiceEntry addresses are required for this protocol.",
                        ValidationPaths.Spec.Field("ports").At(i).Field("protocol"),
                        "add spec.addresses (a VIP or CIDR), or enable DNS auto-allocation; without them the port captures all TCP traffic on it");
                    break;
                }
            }
        }
    }

    private static bool HasAllocatedAddresses(JsonNode? status) =>
        status is JsonObject o && o["addresses"] is JsonArray { Count: > 0 };
}
