using Causeway.Api.Analysis;
using Causeway.Api.Diagnostics;
using Causeway.Api.Tests.Support;
using Causeway.Api.Validation;
using Xunit.Abstractions;

namespace Causeway.Api.Tests.Analysis;

/// <summary>
/// Replays every case of Istio's analyzer test table against Causeway. As upstream, each case loads its input files,
/// runs one analyzer, and the messages must equal the expected ones as a multiset of (code, resource).
/// </summary>
public class IstioAnalyzerCasesTests(ITestOutputHelper output)
{
    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        foreach (var c in AnalyzerCase.All)
        {
            data.Add(c.Number);
        }

        return data;
    }

    [Fact]
    public void The_table_is_read_completely()
    {
        Assert.True(AnalyzerCase.All.Count >= 100, $"only {AnalyzerCase.All.Count} cases read");
        Assert.Equal(Enumerable.Range(1, AnalyzerCase.All.Count), AnalyzerCase.All.Select(c => c.Number));
    }

    [Fact]
    public void Every_Istio_analyzer_in_the_table_is_implemented_or_deferred_with_a_reason()
    {
        var unknown = AnalyzerCase.All.Select(c => c.IstioAnalyzer).Distinct()
            .Where(a => !AnalyzerCoverage.Map.ContainsKey(a) && !MeshAnalyzer.AnalyzerNames.Contains(a)).ToList();
        Assert.True(unknown.Count == 0, "not mapped: " + string.Join(", ", unknown));
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Istio_analyzer_case(int number)
    {
        var c = AnalyzerCase.All.Single(x => x.Number == number);
        var entry = AnalyzerCoverage.Map.GetValueOrDefault(c.IstioAnalyzer) ?? new AnalyzerCoverage.Entry(c.IstioAnalyzer);
        Skip.If(entry.DeferredBecause is not null, $"{c.IstioAnalyzer}: {entry.DeferredBecause}");
        Skip.If(AnalyzerCoverage.SkippedCases.TryGetValue(number, out var why), why ?? "");
        var missing = c.Inputs.Where(i => !File.Exists(Path.Combine(RepoPaths.AnalyzerTestData, i))).ToList();
        Skip.If(missing.Count > 0, "input not in the corpus: " + string.Join(", ", missing));

        var checkedInput = ResourceValidation.LoadAndValidate(c.Inputs.Select(i => Path.Combine(RepoPaths.AnalyzerTestData, i)));
        var diagnostics = new List<Diagnostic>(checkedInput.Diagnostics);

        var options = c.MeshConfig is null ? new AnalysisOptions() : MeshConfigFile.Load(Path.Combine(RepoPaths.AnalyzerTestData, c.MeshConfig));
        IEnumerable<string> reports = entry.ValidatorCodes ?? [];
        if (entry.Causeway is { } name)
        {
            diagnostics.AddRange(MeshAnalyzer.Analyze(checkedInput.Loaded, options, [name]));
            reports = MeshAnalyzer.All.Single(a => a.Name == name).Reports.Select(r => r.Code);
        }

        var codes = reports.Concat(c.Expected.Select(e => e.Split(' ')[0])).ToHashSet();
        var ignored = AnalyzerCoverage.ExpectationAdjustments.TryGetValue(number, out var adj)
            ? adj.Changes.Where(x => x.StartsWith('~')).Select(x => x[1..]).ToHashSet()
            : [];
        var actual = diagnostics.Where(d => codes.Contains(d.Code) && !ignored.Contains(d.Resource?.ToString() ?? ""))
            .Select(d => $"{d.Code} {d.Resource}").Order(StringComparer.Ordinal).ToList();
        var expected = c.Expected.ToList();
        if (AnalyzerCoverage.ExpectationAdjustments.TryGetValue(number, out var adjustment))
        {
            foreach (var change in adjustment.Changes)
            {
                if (change.StartsWith('~'))
                {
                    continue;
                }

                if (change.StartsWith('-'))
                {
                    expected.Add(change[1..]);
                }
                else
                {
                    Assert.True(expected.Remove(change), $"adjustment for case {number} names an expectation that is not there: {change}");
                }
            }
        }

        expected.Sort(StringComparer.Ordinal);
        foreach (var d in diagnostics.Where(d => codes.Contains(d.Code)))
        {
            output.WriteLine(d.ToString());
        }

        Assert.Equal(expected, actual);
    }
}
