using System.Text.RegularExpressions;
using Causeway.Api.Tests.Support;

namespace Causeway.Api.Tests.Analysis;

/// <summary>
/// One row of Istio's analyzer test table (../shared/istio-corpus/ANALYZER_EXPECTATIONS.md, summarised from
/// istio/istio analyzers_test.go): input files, the analyzer, and the messages it must produce as a multiset.
/// </summary>
public sealed record AnalyzerCase(int Number, string Name, string IstioAnalyzer, IReadOnlyList<string> Inputs, string? MeshConfig, IReadOnlyList<string> Expected)
{
    public override string ToString() => $"#{Number} {Name}";

    public static IReadOnlyList<AnalyzerCase> All { get; } = Parse(File.ReadAllLines(Path.Combine(RepoPaths.Shared, "istio-corpus", "ANALYZER_EXPECTATIONS.md")));

    private static List<AnalyzerCase> Parse(string[] lines)
    {
        var cases = new List<AnalyzerCase>();
        foreach (var line in lines)
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length < 7 || !int.TryParse(cells[1], out var number))
            {
                continue;
            }

            var inputsCell = cells[4];
            var meshMatch = Regex.Match(inputsCell, @"mesh config: ([^)]+)\)");
            var meshConfig = meshMatch.Success ? meshMatch.Groups[1].Value.Trim() : null;
            var withoutMesh = meshMatch.Success ? inputsCell[..meshMatch.Index] : inputsCell;
            var networksIndex = withoutMesh.IndexOf("(mesh networks", StringComparison.Ordinal);
            if (networksIndex >= 0)
            {
                withoutMesh = withoutMesh[..networksIndex];
            }

            var inputs = Regex.Matches(withoutMesh, "`([^`]+)`").Select(m => m.Groups[1].Value).ToList();
            var expected = new List<string>();
            var expectedCell = cells[5];
            if (!expectedCell.StartsWith("none", StringComparison.Ordinal))
            {
                foreach (var item in expectedCell.Split("<br>"))
                {
                    // "IST0101 ReferencedResourceNotFound -> VirtualService default/reviews-bogushost (x2)"
                    var m = Regex.Match(item.Trim(), @"^(IST\S+) \S+ -> (\S+) (\S+)(?: \(x(\d+)\))?$");
                    if (!m.Success)
                    {
                        throw new FormatException($"row {number}: cannot read expectation '{item}'");
                    }

                    var count = m.Groups[4].Success ? int.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
                    for (var i = 0; i < count; i++)
                    {
                        expected.Add($"{m.Groups[1].Value} {m.Groups[2].Value} {m.Groups[3].Value}");
                    }
                }
            }

            cases.Add(new AnalyzerCase(number, cells[2], cells[3], inputs, meshConfig, expected));
        }

        return cases;
    }
}
