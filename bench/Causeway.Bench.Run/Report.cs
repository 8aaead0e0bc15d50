using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Causeway.Bench.Run;

/// <summary>
/// Turns bench/run's raw results (one JSON object per line: scenario, target, run and measured fields) into
/// latest.md (a table per scenario, medians with their spread, and the ratios Causeway/nginx and Causeway/HAProxy),
/// latest.json (the same aggregates) and latency.svg (open-loop latency percentiles per target).
/// </summary>
internal static class Report
{
    private static readonly string[] Targets = ["direct", "nginx", "haproxy", "causeway"];

    // Field and heading; ratios are always Causeway / peer.
    private static readonly (string Field, string Heading)[] Measures =
    [
        ("rps", "requests/s"),
        ("cpu_us", "proxy CPU µs/request"),
        ("rss_idle_mb", "RSS idle MB"),
        ("rss_peak_mb", "RSS peak MB"),
        ("p50_us", "p50 µs"),
        ("p90_us", "p90 µs"),
        ("p99_us", "p99 µs"),
        ("p999_us", "p99.9 µs"),
        ("errors", "errors"),
    ];

    public static int Run(string[] args)
    {
        var rows = File.ReadAllLines(args[0]).Where(l => l.Trim().Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var output = args[1];
        Directory.CreateDirectory(output);
        var header = rows.FirstOrDefault(r => r["scenario"]?.GetValue<string>() == "_meta");
        rows.Remove(header!);
        var aggregates = new JsonObject();
        var md = new StringBuilder();
        md.AppendLine("# Benchmark results").AppendLine();
        if (header is not null)
        {
            foreach (var (key, value) in header.Where(p => p.Key != "scenario"))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- **{key}**: {value}");
            }

            md.AppendLine();
        }

        md.AppendLine("Each cell is the median of the runs, with the range in brackets. Ratios are Causeway's median over the peer's: below 1 is better for CPU, memory and latency, above 1 for requests/s.").AppendLine();
        foreach (var scenario in rows.Select(r => r["scenario"]!.GetValue<string>()).Distinct())
        {
            var inScenario = rows.Where(r => r["scenario"]!.GetValue<string>() == scenario).ToList();
            var targets = Targets.Where(t => inScenario.Any(r => r["target"]!.GetValue<string>() == t)).ToList();
            var measures = Measures.Where(m => inScenario.Any(r => r[m.Field] is not null)).ToList();
            var scenarioJson = new JsonObject();
            md.AppendLine(CultureInfo.InvariantCulture, $"## {scenario}").AppendLine();
            md.Append("| target |");
            foreach (var m in measures)
            {
                md.Append(CultureInfo.InvariantCulture, $" {m.Heading} |");
            }

            md.AppendLine().Append("|---|").AppendLine(string.Concat(measures.Select(_ => "---|")));
            var medians = new Dictionary<(string Target, string Field), double>();
            foreach (var target in targets)
            {
                var runs = inScenario.Where(r => r["target"]!.GetValue<string>() == target).ToList();
                var targetJson = new JsonObject { ["runs"] = runs.Count };
                md.Append(CultureInfo.InvariantCulture, $"| {target} |");
                foreach (var m in measures)
                {
                    var values = runs.Where(r => r[m.Field] is not null).Select(r => r[m.Field]!.GetValue<double>()).Order().ToList();
                    if (values.Count == 0)
                    {
                        md.Append(" |");
                        continue;
                    }

                    var median = values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
                    medians[(target, m.Field)] = median;
                    targetJson[m.Field] = new JsonObject { ["median"] = median, ["min"] = values[0], ["max"] = values[^1] };
                    md.Append(CultureInfo.InvariantCulture, $" {Number(median)} [{Number(values[0])}–{Number(values[^1])}] |");
                }

                md.AppendLine();
                scenarioJson[target] = targetJson;
            }

            foreach (var peer in new[] { "nginx", "haproxy" })
            {
                if (!targets.Contains("causeway") || !targets.Contains(peer))
                {
                    continue;
                }

                md.Append(CultureInfo.InvariantCulture, $"| **causeway / {peer}** |");
                var ratios = new JsonObject();
                foreach (var m in measures)
                {
                    if (medians.TryGetValue(("causeway", m.Field), out var ours) && medians.TryGetValue((peer, m.Field), out var theirs) && theirs > 0)
                    {
                        ratios[m.Field] = Math.Round(ours / theirs, 3);
                        md.Append(CultureInfo.InvariantCulture, $" **{ours / theirs:0.00}×** |");
                    }
                    else
                    {
                        md.Append(" |");
                    }
                }

                md.AppendLine();
                scenarioJson[$"causeway/{peer}"] = ratios;
            }

            md.AppendLine();
            aggregates[scenario] = scenarioJson;
        }

        var charted = aggregates.Where(s => s.Value!.AsObject().Any(t => t.Value is JsonObject o && o.ContainsKey("p99_us"))).ToList();
        foreach (var (scenario, data) in charted)
        {
            var file = $"latency-{scenario}.svg";
            File.WriteAllText(Path.Combine(output, file), Chart(scenario, data!.AsObject()));
            md.AppendLine(CultureInfo.InvariantCulture, $"![{scenario} latency]({file})").AppendLine();
        }

        File.WriteAllText(Path.Combine(output, "latest.md"), md.ToString());
        var json = new JsonObject { ["meta"] = header?.DeepClone(), ["scenarios"] = aggregates };
        File.WriteAllText(Path.Combine(output, "latest.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {Path.Combine(output, "latest.md")}, latest.json and {charted.Count} chart(s)");
        return 0;
    }

    /// <summary>Grouped bars: for each percentile, one bar per target (log scale, so p50 and p99.9 both read).</summary>
    private static string Chart(string scenario, JsonObject data)
    {
        string[] percentiles = ["p50_us", "p90_us", "p99_us", "p999_us"];
        string[] labels = ["p50", "p90", "p99", "p99.9"];
        string[] colors = ["#9e9e9e", "#2e7d32", "#1565c0", "#c62828"];
        var targets = Targets.Where(t => data[t] is JsonObject o && o.ContainsKey("p50_us")).ToList();
        double Value(string t, string p) => data[t]![p]!["median"]!.GetValue<double>();
        var max = targets.SelectMany(t => percentiles.Select(p => Value(t, p))).DefaultIfEmpty(1).Max();
        var logMax = Math.Log10(Math.Max(max, 10)) + 0.2;
        const int width = 760, height = 360, left = 60, bottom = 300, top = 40;
        var groupWidth = (width - left - 20) / percentiles.Length;
        var barWidth = (groupWidth - 20) / Math.Max(1, targets.Count);
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{left}" y="20" font-size="14">{scenario}: open-loop latency (µs, log scale, median of runs)</text>""");
        for (var decade = 1; decade <= Math.Ceiling(logMax); decade++)
        {
            var y = bottom - (bottom - top) * decade / logMax;
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{left}" x2="{width - 20}" y1="{y:0.0}" y2="{y:0.0}" stroke="#ddd"/><text x="{left - 6}" y="{y + 4:0.0}" text-anchor="end">{Math.Pow(10, decade):0}</text>""");
        }

        for (var p = 0; p < percentiles.Length; p++)
        {
            var x0 = left + p * groupWidth + 10;
            for (var t = 0; t < targets.Count; t++)
            {
                var v = Value(targets[t], percentiles[p]);
                var h = (bottom - top) * Math.Log10(Math.Max(v, 1)) / logMax;
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{x0 + t * barWidth}" y="{bottom - h:0.0}" width="{barWidth - 2}" height="{h:0.0}" fill="{colors[Array.IndexOf(Targets, targets[t])]}"><title>{targets[t]} {labels[p]}: {v:0} µs</title></rect>""");
            }

            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x0 + groupWidth / 2 - 10}" y="{bottom + 16}" text-anchor="middle">{labels[p]}</text>""");
        }

        for (var t = 0; t < targets.Count; t++)
        {
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{left + t * 110}" y="{bottom + 32}" width="12" height="12" fill="{colors[Array.IndexOf(Targets, targets[t])]}"/><text x="{left + t * 110 + 16}" y="{bottom + 42}">{targets[t]}</text>""");
        }

        svg.AppendLine($"""<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="#333"/><line x1="{left}" x2="{width - 20}" y1="{bottom}" y2="{bottom}" stroke="#333"/>""");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static string Number(double v) => v >= 100 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.0", CultureInfo.InvariantCulture);
}
