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
        // Only entries that share a host can conflict: group by host first instead of comparing every pair.
        var byHost = new Dictionary<string, List<(Loading.LoadedResource Source, ServiceEntry Entry)>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (source, se) in ctx.OfKind<ServiceEntry>())
        {
            foreach (var host in (se.Spec.Hosts ?? []).Select(h => ctx.Fqdn(h, ctx.NamespaceOf(source))).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!byHost.TryGetValue(host, out var list))
                {
                    byHost[host] = list = [];
                }

                list.Add((source, se));
            }
        }

        var reported = new HashSet<Loading.LoadedResource>();
        foreach (var (host, entries) in byHost)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                for (var j = 0; j < entries.Count; j++)
                {
                    var (a, sa) = entries[i];
                    var (b, sb) = entries[j];
                    if (i == j || reported.Contains(a) || !Visibility.Overlap(Visibility.Scope(sa.Spec.ExportTo, ctx.NamespaceOf(a)), Visibility.Scope(sb.Spec.ExportTo, ctx.NamespaceOf(b))))
                    {
                        continue;
                    }

                    var conflict = PortConflict(sa, sb);
                    if (conflict is not null && reported.Add(a))
                    {
                        ctx.Report(MessageTypes.ConflictingServiceEntryProtocol, a,
                            $"ServiceEntry {ctx.NamespaceOf(a)}/{sa.Name} and {ctx.NamespaceOf(b)}/{sb.Name} declare host {host} {conflict}",
                            ValidationPaths.Spec.Field("ports"), "use one ServiceEntry per host and port, with one protocol");
                    }
                }
            }
        }
    }

    private static string? PortConflict(ServiceEntry sa, ServiceEntry sb)
    {
        foreach (var pa in sa.Spec.Ports ?? [])
        {
            foreach (var pb in sb.Spec.Ports ?? [])
            {
                if (pa.Number == pb.Number && !string.Equals(pa.Protocol, pb.Protocol, StringComparison.OrdinalIgnoreCase))
                {
                    return $"port {pa.Number} with protocols {pa.Protocol} and {pb.Protocol}";
                }
            }
        }

        return null;
    }
}
