using Causeway.Api.Analysis;
using Causeway.Api.Diagnostics;

namespace Causeway.Translation.Mesh;

/// <summary>
/// The analyzers' findings for a mesh state (what istioctl analyze says of its resources, with its names), computed
/// once per state and shared by whoever shows them: the dashboard's problems, the resource status on Kubernetes.
/// </summary>
public static class MeshAnalysis
{
    public static IReadOnlyList<Diagnostic> Of(MeshState mesh) =>
        mesh.Cached(static m => new Findings(MeshAnalyzer.Analyze(m.Resources,
            new AnalysisOptions { DefaultNamespace = m.Names.DefaultNamespace, RootNamespace = m.Names.RootNamespace, ClusterDomain = m.Names.ClusterDomain }))).Diagnostics;

    private sealed record Findings(IReadOnlyList<Diagnostic> Diagnostics);
}
