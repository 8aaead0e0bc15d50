namespace Causeway.Api.Tests.Support;

/// <summary>Finds the repository root and the shared Istio corpus beside it (../shared in CI).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string Corpus => Path.Combine(Shared, "istio-corpus", "istio");

    public static string AnalyzerTestData => Path.Combine(Corpus, "pkg", "config", "analysis", "analyzers", "testdata");

    public static string Bookinfo => Path.Combine(Corpus, "samples", "bookinfo");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Causeway.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Causeway.slnx) not found above " + AppContext.BaseDirectory);
    }
}
