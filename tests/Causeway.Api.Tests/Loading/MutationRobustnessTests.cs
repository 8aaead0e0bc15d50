using System.Text;
using Causeway.Api.Analysis;
using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Tests.Support;
using Causeway.Api.Validation;

namespace Causeway.Api.Tests.Loading;

/// <summary>
/// Property tests: whatever the input, loading, validation and analysis end in a result or clear messages, never
/// an exception. Mutations are seeded so any failure replays exactly.
/// </summary>
public class MutationRobustnessTests
{
    private static readonly string[] Seeds = ConfigLoader.EnumerateConfigFiles(Path.Combine(RepoPaths.Corpus, "samples"))
        .Concat(ConfigLoader.EnumerateConfigFiles(RepoPaths.AnalyzerTestData).Take(40))
        .Select(File.ReadAllText)
        .ToArray();

    private static readonly Func<Random, string, string>[] Mutations =
    [
        DeleteLines,
        SwapScalarForList,
        SwapScalarForMap,
        HugeNumber,
        BadDuration,
        DuplicateLine,
        BreakIndentation,
        InsertNull,
        TruncateAnywhere,
        InjectControlCharacters,
    ];

    public static TheoryData<int> SeedsToRun()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < 25; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SeedsToRun))]
    public void Random_mutations_of_corpus_files_never_crash(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 20; i++)
        {
            var text = Seeds[random.Next(Seeds.Length)];
            var rounds = random.Next(1, 4);
            for (var r = 0; r < rounds; r++)
            {
                text = Mutations[random.Next(Mutations.Length)](random, text);
            }

            AssertHandled(text, $"seed {seed} iteration {i}");
        }
    }

    [Fact]
    public void Binary_garbage_is_a_clear_error()
    {
        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(1, 4096)];
            random.NextBytes(bytes);
            AssertHandled(Encoding.Latin1.GetString(bytes), $"garbage {i}");
        }
    }

    [Fact]
    public void Deep_nesting_is_bounded_not_a_stack_overflow()
    {
        var depth = 100_000;
        AssertHandled(new string('[', depth) + new string(']', depth), "deep flow list");
        var sb = new StringBuilder("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: deep}\nspec:\n");
        for (var i = 0; i < 5000; i++)
        {
            sb.Append(' ', 2 + (i % 200)).Append("a:\n");
        }

        AssertHandled(sb.ToString(), "deep block map");
        var errors = Yaml.Load(new string('{', 300) + new string('}', 300)).Diagnostics;
        Assert.Contains(errors, d => d.Message.Contains("nesting deeper", StringComparison.Ordinal));
    }

    [Fact]
    public void Alias_bombs_are_bounded()
    {
        var sb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 12; i++)
        {
            sb.Append($"a{i}: &a{i} [").Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))).Append("]\n");
        }

        var result = Yaml.Load(sb.ToString());
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("too large", StringComparison.Ordinal));
    }

    [Fact]
    public void A_ten_megabyte_document_loads()
    {
        var sb = new StringBuilder("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: big, namespace: default}\nspec:\n  hosts:\n");
        var i = 0;
        while (sb.Length < 10 * 1024 * 1024)
        {
            sb.Append("  - host-").Append(i++).Append(".example.com\n");
        }

        sb.Append("  ports: [{number: 443, name: https, protocol: HTTPS}]\n  resolution: DNS\n");
        var result = Yaml.Load(sb.ToString());
        var se = Assert.Single(result.Resources);
        var errors = ResourceValidation.Validate(se);
        Assert.Contains(errors, d => d.Message.Contains("at most 256 hosts", StringComparison.Ordinal));
    }

    [Fact]
    public void Huge_and_negative_numbers_are_range_errors_not_overflows()
    {
        foreach (var value in new[] { "99999999999999999999999999", "-1", "4294967296", "1e400", "0x7fffffffffffffffff" })
        {
            var diagnostics = Yaml.Check(Yaml.DestinationRule($"host: r\ntrafficPolicy:\n  connectionPool:\n    tcp: {{maxConnections: {value}}}\n"));
            Assert.Contains(diagnostics, d => d.Severity == Severity.Error && d.FieldPath == "spec.trafficPolicy.connectionPool.tcp.maxConnections");
        }
    }

    private static void AssertHandled(string text, string what)
    {
        try
        {
            var loaded = ConfigLoader.LoadText(text, "mutated.yaml");
            var all = loaded.Resources.Concat(loaded.Partial).ToList();
            var diagnostics = new List<Diagnostic>(loaded.Diagnostics);
            foreach (var r in all)
            {
                diagnostics.AddRange(ResourceValidation.Validate(r));
            }

            diagnostics.AddRange(MeshAnalyzer.Analyze(all));
            Assert.All(diagnostics, d => Assert.False(string.IsNullOrWhiteSpace(d.Message)));
            Assert.All(diagnostics.Where(d => d.Severity == Severity.Error), d => Assert.NotNull(d.Location));
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{what}: {ex.GetType().Name}: {ex.Message}\n--- input (first 2000 chars) ---\n{text[..Math.Min(2000, text.Length)]}\n{ex.StackTrace}");
        }
    }

    private static string[] Lines(string text) => text.Split('\n');

    private static string DeleteLines(Random r, string text)
    {
        var lines = Lines(text).ToList();
        var n = r.Next(1, 4);
        for (var i = 0; i < n && lines.Count > 1; i++)
        {
            lines.RemoveAt(r.Next(lines.Count));
        }

        return string.Join('\n', lines);
    }

    private static string ReplaceValue(Random r, string text, Func<string, string> replacement)
    {
        var lines = Lines(text);
        var candidates = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(": ", StringComparison.Ordinal)).ToList();
        if (candidates.Count == 0)
        {
            return text;
        }

        var idx = candidates[r.Next(candidates.Count)];
        var colon = lines[idx].IndexOf(": ", StringComparison.Ordinal);
        lines[idx] = lines[idx][..(colon + 2)] + replacement(lines[idx][(colon + 2)..]);
        return string.Join('\n', lines);
    }

    private static string SwapScalarForList(Random r, string text) => ReplaceValue(r, text, v => $"[{v}, {v}]");

    private static string SwapScalarForMap(Random r, string text) => ReplaceValue(r, text, v => $"{{x: {v}}}");

    private static string HugeNumber(Random r, string text) => ReplaceValue(r, text, _ => r.Next(3) switch
    {
        0 => "99999999999999999999999999999",
        1 => "-2147483649",
        _ => "1.7976931348623157e309",
    });

    private static string BadDuration(Random r, string text) => ReplaceValue(r, text, _ => r.Next(3) switch
    {
        0 => "10 parsecs",
        1 => "-5s",
        _ => "1." + new string('9', 400) + "h",
    });

    private static string DuplicateLine(Random r, string text)
    {
        var lines = Lines(text).ToList();
        var i = r.Next(lines.Count);
        lines.Insert(i, lines[i]);
        return string.Join('\n', lines);
    }

    private static string BreakIndentation(Random r, string text)
    {
        var lines = Lines(text);
        var i = r.Next(lines.Length);
        lines[i] = new string(' ', r.Next(0, 9)) + lines[i].TrimStart();
        return string.Join('\n', lines);
    }

    private static string InsertNull(Random r, string text) => ReplaceValue(r, text, _ => r.Next(2) == 0 ? "null" : "~");

    private static string TruncateAnywhere(Random r, string text) => text[..r.Next(text.Length + 1)];

    private static string InjectControlCharacters(Random r, string text)
    {
        var pos = r.Next(text.Length + 1);
        return text[..pos] + (char)r.Next(0, 32) + "\uFFFD\u0000" + text[pos..];
    }
}
