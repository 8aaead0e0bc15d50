using System.Text.Json;
using Causeway.Api.Diagnostics;
using Spectre.Console;

namespace Causeway.Cli.Output;

/// <summary>
/// Prints messages: a coloured table on a terminal, one plain line per message when piped (so grep works), or JSON.
/// Each message carries level, code, resource, file:line, field, text and a one-line fix hint.
/// </summary>
internal static class DiagnosticPrinter
{
    public static void Print(IReadOnlyList<Diagnostic> diagnostics, int resourceCount, OutputFormat format, TextWriter output, bool terminal)
    {
        var ordered = diagnostics
            .OrderBy(d => d.Location?.File, StringComparer.Ordinal)
            .ThenBy(d => d.Location?.Line ?? 0)
            .ThenByDescending(d => d.Severity)
            .ToList();
        if (format == OutputFormat.Json)
        {
            PrintJson(ordered, output);
            return;
        }

        if (terminal)
        {
            PrintTable(ordered, output);
        }
        else
        {
            foreach (var d in ordered)
            {
                output.WriteLine(PlainLine(d));
            }
        }

        output.WriteLine(Summary(ordered, resourceCount));
    }

    public static string PlainLine(Diagnostic d)
    {
        var resource = d.Resource?.ToString() ?? "-";
        var location = d.Location?.ToString() ?? "-";
        var field = d.FieldPath is null ? "" : d.FieldPath + ": ";
        var hint = d.Hint is null ? "" : $" (hint: {d.Hint})";
        return $"{Level(d.Severity)} [{d.Code}] {resource} at {location}: {field}{d.Message}{hint}";
    }

    public static string Summary(IReadOnlyList<Diagnostic> diagnostics, int resourceCount)
    {
        var errors = diagnostics.Count(d => d.Severity == Severity.Error);
        var warnings = diagnostics.Count(d => d.Severity == Severity.Warning);
        var infos = diagnostics.Count(d => d.Severity == Severity.Info);
        var verdict = errors == 0 ? "OK" : "FAILED";
        return $"{verdict}: {resourceCount} resources, {errors} errors, {warnings} warnings, {infos} info";
    }

    private static void PrintTable(IReadOnlyList<Diagnostic> diagnostics, TextWriter output)
    {
        if (diagnostics.Count == 0)
        {
            return;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.Detect, ColorSystem = ColorSystemSupport.Detect });
        console.Profile.Width = TerminalWidth();
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn(new TableColumn("Level").NoWrap());
        table.AddColumn(new TableColumn("Code").NoWrap());
        table.AddColumn("Resource");
        table.AddColumn(new TableColumn("Where").NoWrap());
        table.AddColumn("Message");
        foreach (var d in diagnostics)
        {
            var colour = d.Severity switch
            {
                Severity.Error => "red",
                Severity.Warning => "yellow",
                _ => "blue",
            };
            var message = Markup.Escape((d.FieldPath is null ? "" : d.FieldPath + ": ") + d.Message);
            if (d.Hint is not null)
            {
                message += $"\n[dim]hint: {Markup.Escape(d.Hint)}[/]";
            }

            table.AddRow(
                $"[{colour}]{Level(d.Severity)}[/]",
                d.Code,
                Markup.Escape(d.Resource?.ToString() ?? "-"),
                Markup.Escape(d.Location?.ToString() ?? "-"),
                message);
        }

        console.Write(table);
    }

    /// <summary>The terminal's width (the console may report none when it is not a terminal); at least 80.</summary>
    private static int TerminalWidth()
    {
        try
        {
            return Math.Max(80, Console.WindowWidth);
        }
        catch (IOException)
        {
            return 120;
        }
    }

    private static void PrintJson(IReadOnlyList<Diagnostic> diagnostics, TextWriter output)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var d in diagnostics)
            {
                w.WriteStartObject();
                w.WriteString("level", Level(d.Severity));
                w.WriteString("code", d.Code);
                w.WriteString("name", d.Type.Name);
                w.WriteString("message", d.Message);
                if (d.Resource is { } r)
                {
                    w.WriteStartObject("resource");
                    w.WriteString("kind", r.Kind);
                    if (r.Namespace is not null)
                    {
                        w.WriteString("namespace", r.Namespace);
                    }

                    w.WriteString("name", r.Name);
                    w.WriteEndObject();
                }

                if (d.Location is { } l)
                {
                    w.WriteString("file", l.File);
                    w.WriteNumber("line", l.Line);
                    w.WriteNumber("column", l.Column);
                }

                if (d.FieldPath is not null)
                {
                    w.WriteString("field", d.FieldPath);
                }

                if (d.Hint is not null)
                {
                    w.WriteString("hint", d.Hint);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static string Level(Severity s) => s switch
    {
        Severity.Error => "Error",
        Severity.Warning => "Warning",
        _ => "Info",
    };
}
