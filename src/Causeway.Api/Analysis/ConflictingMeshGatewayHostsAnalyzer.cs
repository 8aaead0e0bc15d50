using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Model;
using Causeway.Api.Model.Networking;
using Causeway.Api.Validation;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0109: two VirtualServices bound to the mesh claim the same host and some namespace sees both. Sidecars do not
/// merge them (only the oldest takes effect, istio/istio#36621), so the result is surprising. Each conflicting
/// VirtualService is reported once. Mirrors Istio's virtualservice.ConflictingMeshGatewayHostsAnalyzer.
/// </summary>
internal sealed class ConflictingMeshGatewayHostsAnalyzer : IAnalyzer
{
    public string Name => "virtualservice.ConflictingMeshGatewayHostsAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.ConflictingMeshGatewayVirtualServiceHosts];

    public void Analyze(AnalysisContext ctx)
    {
        var claims = new List<(LoadedResource Source, string Host, IReadOnlyList<string> Scope)>();
        foreach (var (source, vs) in ctx.OfKind<VirtualService>())
        {
            if (!vs.Spec.EffectiveGateways.Contains(IstioDefaults.MeshGateway))
            {
                continue;
            }

            var ns = ctx.NamespaceOf(source);
            var scope = Visibility.Scope(vs.Spec.ExportTo, ns);
            foreach (var host in (vs.Spec.Hosts ?? []).Select(h => ctx.Fqdn(h, ns)).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                claims.Add((source, host, scope));
            }
        }

        // Exact hosts meet in a dictionary; wildcard hosts are compared with every claim (they are few).
        var byHost = claims.GroupBy(c => c.Host, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
        var wildcards = claims.Where(c => c.Host.StartsWith('*')).ToList();
        var reported = new HashSet<LoadedResource>();
        foreach (var claim in claims)
        {
            var candidates = claim.Host.StartsWith('*') ? claims : byHost[claim.Host].Concat(wildcards);
            var conflict = candidates.FirstOrDefault(o => o.Source != claim.Source && HostMatching.Overlap(o.Host, claim.Host) && Visibility.Overlap(o.Scope, claim.Scope));
            if (conflict.Source is null || !reported.Add(claim.Source))
            {
                continue;
            }

            var names = $"{ctx.NamespaceOf(claim.Source)}/{claim.Source.Resource.Name},{ctx.NamespaceOf(conflict.Source)}/{conflict.Source.Resource.Name}";
            ctx.Report(MessageTypes.ConflictingMeshGatewayVirtualServiceHosts, claim.Source,
                $"The VirtualServices {names} associated with mesh gateway define the same host {claim.Host} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
                Diagnostics.FieldPath.Root.Field("metadata").Field("name"), "merge them into one VirtualService, or narrow exportTo so no namespace sees both");
        }
    }
}
