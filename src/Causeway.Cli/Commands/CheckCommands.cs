using System.CommandLine;
using Causeway.Api.Analysis;
using Causeway.Api.Diagnostics;
using Causeway.Api.Validation;
using Causeway.Cli.Output;

namespace Causeway.Cli.Commands;

/// <summary><c>causeway validate</c> (each resource on its own) and <c>causeway analyze</c> (plus cross-resource analysis).</summary>
internal static class CheckCommands
{
    public static Command Validate() => Build(
        "validate",
        "Check each resource on its own, as Istio's admission webhook does: schema, field values, regexes, combinations.",
        analyze: false);

    public static Command Analyze() => Build(
        "analyze",
        "Validate, then analyze the resources together (Istio's IST message codes): missing references, conflicts, unreachable rules.",
        analyze: true);

    private static Command Build(string name, string description, bool analyze)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Files or directories of Istio/Kubernetes YAML or JSON (directories are read recursively); '-' reads standard input.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output format: table (coloured on a terminal, plain lines when piped) or json.",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "json");
        var defaultNamespace = new Option<string>("--namespace", "-n")
        {
            Description = "Namespace assumed for resources that do not set one.",
            DefaultValueFactory = _ => "default",
        };
        var meshConfig = new Option<string?>("--mesh-config")
        {
            Description = "An Istio MeshConfig file (rootNamespace, DNS auto-allocation) to analyze against.",
        };
        var command = new Command(name, description) { paths, output };
        if (analyze)
        {
            command.Options.Add(defaultNamespace);
            command.Options.Add(meshConfig);
        }

        command.SetAction(parse =>
        {
            var format = parse.GetValue(output) == "json" ? OutputFormat.Json : OutputFormat.Table;
            var loaded = ResourceValidation.LoadAndValidate(parse.GetValue(paths)!);
            var diagnostics = new List<Diagnostic>(loaded.Diagnostics);
            if (analyze)
            {
                var mesh = parse.GetValue(meshConfig) is { } file ? MeshConfigFile.Load(file) : new AnalysisOptions();
                var options = new AnalysisOptions
                {
                    DefaultNamespace = parse.GetValue(defaultNamespace)!,
                    RootNamespace = mesh.RootNamespace,
                    DnsAutoAllocate = mesh.DnsAutoAllocate,
                };
                diagnostics.AddRange(MeshAnalyzer.Analyze(loaded.Loaded, options));
            }

            var terminal = !Console.IsOutputRedirected;
            DiagnosticPrinter.Print(diagnostics, loaded.Loaded.Count, format, Console.Out, terminal);
            return diagnostics.Any(d => d.Severity == Severity.Error) ? 1 : 0;
        });
        return command;
    }
}
