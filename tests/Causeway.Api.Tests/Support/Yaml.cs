using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Validation;

namespace Causeway.Api.Tests.Support;

/// <summary>Small helpers to load YAML text in tests and look at what came out.</summary>
internal static class Yaml
{
    public static LoadResult Load(string yaml, string file = "test.yaml") => ConfigLoader.LoadText(yaml, file);

    /// <summary>Loads and validates every resource; returns all messages.</summary>
    public static List<Diagnostic> Check(string yaml, string file = "test.yaml")
    {
        var loaded = Load(yaml, file);
        var all = new List<Diagnostic>(loaded.Diagnostics);
        foreach (var r in loaded.Resources)
        {
            all.AddRange(ResourceValidation.Validate(r));
        }

        return all;
    }

    public static List<Diagnostic> Errors(string yaml) => Check(yaml).Where(d => d.Severity == Severity.Error).ToList();

    public static Diagnostic SingleError(string yaml)
    {
        var errors = Errors(yaml);
        Assert.True(errors.Count == 1, $"expected one error, got {errors.Count}:\n{string.Join("\n", errors)}");
        return errors[0];
    }

    public static void AssertValid(string yaml)
    {
        var errors = Errors(yaml);
        Assert.True(errors.Count == 0, "expected no errors, got:\n" + string.Join("\n", errors));
    }

    /// <summary>A VirtualService in namespace default with the given spec body (YAML indented under spec:).</summary>
    public static string VirtualService(string spec) => Resource("networking.istio.io/v1", "VirtualService", "reviews", spec);

    public static string DestinationRule(string spec) => Resource("networking.istio.io/v1", "DestinationRule", "reviews", spec);

    public static string Resource(string apiVersion, string kind, string name, string spec) =>
        $"apiVersion: {apiVersion}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n{Indent(spec)}";

    private static string Indent(string s) => string.Join("\n", s.Trim('\n').Split('\n').Select(l => "  " + l)) + "\n";
}
