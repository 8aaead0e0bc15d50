using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Model.Networking;
using Causeway.Api.Validation;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0145: two Gateways select the same workloads (one selector contained in the other) and declare the same port
/// with overlapping hosts; the proxy can only honour one of them. Mirrors Istio's gateway.ConflictingGatewayAnalyzer.
/// </summary>
internal sealed class ConflictingGatewayAnalyzer : IAnalyzer
{
    public string Name => "gateway.ConflictingGatewayAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.ConflictingGateways];

    public void Analyze(AnalysisContext ctx)
    {
        var gateways = ctx.OfKind<Gateway>().ToList();
        var conflicts = new Dictionary<LoadedResource, List<string>>();
        for (var i = 0; i < gateways.Count; i++)
        {
            for (var j = i + 1; j < gateways.Count; j++)
            {
                var (a, ga) = gateways[i];
                var (b, gb) = gateways[j];
                if (!Selectors.IsSubset(ga.Spec.Selector, gb.Spec.Selector) && !Selectors.IsSubset(gb.Spec.Selector, ga.Spec.Selector))
                {
                    continue;
                }

                var clash = Clash(ga, gb);
                if (clash is null)
                {
                    continue;
                }

                Add(conflicts, a, $"{ctx.NamespaceOf(b)}/{gb.Name} ({clash})");
                Add(conflicts, b, $"{ctx.NamespaceOf(a)}/{ga.Name} ({clash})");
            }
        }

        foreach (var (source, others) in conflicts)
        {
            var gw = (Gateway)source.Resource;
            ctx.Report(MessageTypes.ConflictingGateways, source,
                $"Conflict with gateways {string.Join(", ", others)} (workload selector {Selectors.Format(gw.Spec.Selector)}): same port with overlapping hosts",
                ValidationPaths.Spec.Field("servers"), "merge the servers into one Gateway, or give them different ports or hosts");
        }
    }

    /// <summary>"port N, host H" when both gateways have a server on the same port with an overlapping host.</summary>
    private static string? Clash(Gateway a, Gateway b)
    {
        foreach (var sa in a.Spec.Servers ?? [])
        {
            foreach (var sb in b.Spec.Servers ?? [])
            {
                if (sa.Port?.Number is not { } port || sb.Port?.Number != port)
                {
                    continue;
                }

                foreach (var ha in (sa.Hosts ?? []).Select(HostPart))
                {
                    foreach (var hb in (sb.Hosts ?? []).Select(HostPart))
                    {
                        if (HostMatching.Overlap(ha, hb))
                        {
                            return $"port {port}, host {ha}";
                        }
                    }
                }
            }
        }

        return null;
    }

    private static string HostPart(string h) => h.Contains('/', StringComparison.Ordinal) ? h[(h.IndexOf('/', StringComparison.Ordinal) + 1)..] : h;

    private static void Add(Dictionary<LoadedResource, List<string>> map, LoadedResource key, string value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(value);
    }
}
