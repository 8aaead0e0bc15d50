namespace Causeway.Api.Analysis;

/// <summary>Label selection helpers shared by the analyzers.</summary>
internal static class Selectors
{
    /// <summary>True when every label of the selector is present with the same value (an empty selector selects all).</summary>
    public static bool Matches(IReadOnlyDictionary<string, string>? selector, IReadOnlyDictionary<string, string> labels) =>
        AnalysisContext.Selects(selector, labels);

    /// <summary>True when <paramref name="a"/>'s requirements are all in <paramref name="b"/> (a selects at least what b selects).</summary>
    public static bool IsSubset(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        a is null || a.Count == 0 || (b is not null && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value));

    public static string Format(IReadOnlyDictionary<string, string>? selector) =>
        selector is null || selector.Count == 0 ? "(all)" : string.Join(",", selector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>Workloads (pods, deployment templates, workload entries) whose labels match the selector, optionally in one namespace.</summary>
    public static IEnumerable<WorkloadRecord> Workloads(AnalysisContext ctx, IReadOnlyDictionary<string, string>? selector, string? ns = null) =>
        ctx.Workloads.Where(w => (ns is null || ns == w.Namespace) && Matches(selector, w.Labels));
}
