using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0101 when a route or mirror names a subset no DestinationRule defines for that host: in Istio such a route
/// fails with 503 NC at run time. Mirrors Istio's virtualservice.DestinationRuleAnalyzer.
/// </summary>
internal sealed class VirtualServiceDestinationRuleAnalyzer : IAnalyzer
{
    public string Name => "virtualservice.DestinationRuleAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.ReferencedResourceNotFound];

    public void Analyze(AnalysisContext ctx)
    {
        var subsets = new HashSet<(string Ns, string Name, string Subset)>();
        foreach (var (source, dr) in ctx.OfKind<DestinationRule>())
        {
            var (ns, name) = ctx.ResourceNameOf(dr.Spec.Host ?? "", ctx.NamespaceOf(source));
            foreach (var s in dr.Spec.Subsets ?? [])
            {
                subsets.Add((ns, name, s.Name ?? ""));
            }
        }

        foreach (var (source, vs) in ctx.OfKind<VirtualService>())
        {
            var vsNs = ctx.NamespaceOf(source);
            foreach (var d in RouteDestinations.Routes(vs.Spec).Concat(RouteDestinations.Mirrors(vs.Spec)))
            {
                if (string.IsNullOrEmpty(d.Destination.Subset))
                {
                    continue;
                }

                var (ns, name) = ctx.ResourceNameOf(d.Destination.Host ?? "", vsNs);
                if (!subsets.Contains((ns, name, d.Destination.Subset)))
                {
                    var what = d.IsMirror ? "mirror+subset in destinationrule" : "host+subset in destinationrule";
                    ctx.Report(MessageTypes.ReferencedResourceNotFound, source, $"Referenced {what} not found: \"{d.Destination.Host}+{d.Destination.Subset}\"",
                        d.Path.Field("subset"), "define the subset in a DestinationRule for this host first (make-before-break), or fix the name");
                }
            }
        }
    }
}
