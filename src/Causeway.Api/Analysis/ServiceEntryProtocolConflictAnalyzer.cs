using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0177: ServiceEntries visible to a common namespace declare the same host and port with different protocols;
/// only one can be used. Mirrors Istio's serviceentry.ConflictingServiceEntryProtocolAnalyzer.
/// </summary>
internal sealed class ServiceEntryProtocolConflictAnalyzer : IAnalyzer
{
    public string Name => "serviceentry.ConflictingServiceEntryProtocolAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.ConflictingServiceEntryProtocol];

    public void Analyze(AnalysisContext ctx)
    {
        var entries = ctx.OfKind<ServiceEntry>().ToList();
        var reported = new HashSet<Loading.LoadedResource>();
        for (var i = 0; i < entries.Count; i++)
        {
            for (var j = 0; j < entries.Count; j++)
            {
                if (i == j)
                {
                    continue;
                }

                var (a, sa) = entries[i];
                var (b, sb) = entries[j];
                if (!ScopesOverlap(ctx, a, sa, b, sb))
                {
                    continue;
                }

                var conflict = Conflict(ctx, a, sa, b, sb);
                if (conflict is not null && reported.Add(a))
                {
                    ctx.Report(MessageTypes.ConflictingServiceEntryProtocol, a,
                        $"ServiceEntry {ctx.NamespaceOf(a)}/{sa.Name} and {ctx.NamespaceOf(b)}/{sb.Name} declare {conflict}",
                        ValidationPaths.Spec.Field("ports"), "use one ServiceEntry per host and port, with one protocol");
                }
            }
        }
    }

    private static string? Conflict(AnalysisContext ctx, Loading.LoadedResource a, ServiceEntry sa, Loading.LoadedResource b, ServiceEntry sb)
    {
        foreach (var ha in (sa.Spec.Hosts ?? []).Select(h => ctx.Fqdn(h, ctx.NamespaceOf(a))))
        {
            foreach (var hb in (sb.Spec.Hosts ?? []).Select(h => ctx.Fqdn(h, ctx.NamespaceOf(b))))
            {
                if (!string.Equals(ha, hb, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                foreach (var pa in sa.Spec.Ports ?? [])
                {
                    foreach (var pb in sb.Spec.Ports ?? [])
                    {
                        if (pa.Number == pb.Number && !string.Equals(pa.Protocol, pb.Protocol, StringComparison.OrdinalIgnoreCase))
                        {
                            return $"host {ha} port {pa.Number} with protocols {pa.Protocol} and {pb.Protocol}";
                        }
                    }
                }
            }
        }

        return null;
    }

    private static bool ScopesOverlap(AnalysisContext ctx, Loading.LoadedResource a, ServiceEntry sa, Loading.LoadedResource b, ServiceEntry sb)
    {
        var scopeA = Scope(sa.Spec.ExportTo, ctx.NamespaceOf(a));
        var scopeB = Scope(sb.Spec.ExportTo, ctx.NamespaceOf(b));
        return scopeA.Contains("*") || scopeB.Contains("*") || scopeA.Intersect(scopeB).Any();
    }

    private static List<string> Scope(List<string>? exportTo, string ns) =>
        exportTo is null or { Count: 0 } || exportTo.Contains("*") ? ["*"] : exportTo.Select(e => e == "." ? ns : e).ToList();
}
