using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Kubernetes;
using Causeway.Api.Model.Security;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0127 when an AuthorizationPolicy applies to no workload (its selector matches no pod, or its namespace has no
/// pods); IST0101 for each source namespace pattern (exact, <c>prefix*</c> or <c>*suffix</c>) that matches no known
/// namespace. Mirrors Istio's authz.AuthorizationPoliciesAnalyzer.
/// </summary>
internal sealed class AuthorizationPolicyAnalyzer : IAnalyzer
{
    public string Name => "authz.AuthorizationPoliciesAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.NoMatchingWorkloadsFound, MessageTypes.ReferencedResourceNotFound];

    public void Analyze(AnalysisContext ctx)
    {
        var namespaces = ctx.OfKind<Namespace>().Select(n => n.Resource.Name).ToHashSet(StringComparer.Ordinal);
        var pods = ctx.Workloads;
        foreach (var (source, ap) in ctx.OfKind<AuthorizationPolicy>())
        {
            var ns = ctx.NamespaceOf(source);
            var root = ns == ctx.Options.RootNamespace;
            var selector = ap.Spec.Selector?.MatchLabels;
            var targeted = ap.Spec.TargetRef is not null || ap.Spec.TargetRefs is { Count: > 0 };
            if (!targeted && !(root && selector is null or { Count: 0 }))
            {
                var matches = pods.Any(p => (root || p.Namespace == ns) && Selectors.Matches(selector, p.Labels));
                if (!matches)
                {
                    ctx.Report(MessageTypes.NoMatchingWorkloadsFound, source,
                        $"No matching workloads for this resource with the following labels: {Selectors.Format(selector)}",
                        ValidationPaths.Spec.Field("selector"), selector is null ? $"namespace {ns} has no workloads" : "check the selector labels");
                }
            }

            var rules = ap.Spec.Rules ?? [];
            for (var i = 0; i < rules.Count; i++)
            {
                var from = rules[i].From ?? [];
                for (var j = 0; j < from.Count; j++)
                {
                    var src = from[j].Source;
                    var sp = ValidationPaths.Spec.Field("rules").At(i).Field("from").At(j).Field("source");
                    CheckNamespaces(ctx, source, namespaces, src?.Namespaces, sp.Field("namespaces"));
                    CheckNamespaces(ctx, source, namespaces, src?.NotNamespaces, sp.Field("notNamespaces"));
                }
            }
        }
    }

    private static void CheckNamespaces(AnalysisContext ctx, Loading.LoadedResource source, HashSet<string> known, List<string>? patterns, FieldPath path)
    {
        for (var k = 0; k < (patterns?.Count ?? 0); k++)
        {
            var pattern = patterns![k];
            if (!known.Any(n => Matches(pattern, n)))
            {
                ctx.Report(MessageTypes.ReferencedResourceNotFound, source, $"Referenced namespace not found: \"{pattern}\"", path.At(k),
                    "no namespace matches this name or pattern");
            }
        }
    }

    /// <summary>AuthorizationPolicy string matching: exact, <c>prefix*</c>, <c>*suffix</c>, or <c>*</c>.</summary>
    internal static bool Matches(string pattern, string value) =>
        pattern == "*" ||
        (pattern.EndsWith('*') && value.StartsWith(pattern[..^1], StringComparison.Ordinal)) ||
        (pattern.StartsWith('*') && value.EndsWith(pattern[1..], StringComparison.Ordinal)) ||
        pattern == value;
}
