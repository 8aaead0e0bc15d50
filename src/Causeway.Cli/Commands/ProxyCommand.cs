using System.CommandLine;
using Causeway.ControlPlane.Config;
using Causeway.Proxy.CommandLine;
using Causeway.Translation.Mesh;

namespace Causeway.Cli.Commands;

/// <summary>
/// <c>causeway proxy</c>: the proxy's own command line (shared with the lean <c>causeway-proxy</c>) plus static mode,
/// which compiles a directory of Istio YAML here, in the CLI, and hands the proxy each snapshot the way the control
/// plane's client does.
/// </summary>
internal static class ProxyCommand
{
    public static Command Create()
    {
        var line = new ProxyCommandLine();
        var config = new Option<string?>("--config")
        {
            Description = "Directory of Istio YAML to run from (static mode, no control plane): compiled by this command and reloaded when files change; a change with errors is rejected and the last good configuration keeps serving. Give this or --control-plane.",
        };
        var meshConfig = new Option<string?>("--mesh-config")
        {
            Description = "Istio mesh config file (the `mesh` key of the istio ConfigMap), static mode; Causeway reads defaultHttpRetryPolicy (the retry policy of routes without `retries`), accessLogFile, accessLogEncoding, defaultConfig.tracing.sampling, defaultProviders.tracing and opentelemetry extensionProviders from it.",
        };
        var command = line.AddTo(new Command("proxy", "Run the Causeway proxy (sidecar or gateway) from a control plane or from a directory of Istio YAML."));
        command.Options.Add(config);
        command.Options.Add(meshConfig);
        command.SetAction(async (parse, cancel) =>
        {
            if ((parse.GetValue(config) is null) == (parse.GetValue(line.ControlPlane) is null))
            {
                await Console.Error.WriteLineAsync("give exactly one of --config DIR (static mode) or --control-plane URL").ConfigureAwait(false);
                return 2;
            }

            if (!line.TryControlPlane(parse, out var controlPlane) || line.Identity(parse) is not { } identity || line.Options(parse) is not { } options)
            {
                return 2;
            }

            MeshSettings? settings = null;
            if (parse.GetValue(meshConfig) is { } meshFile)
            {
                try
                {
                    settings = MeshSettings.Parse(await File.ReadAllTextAsync(meshFile, cancel).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"--mesh-config {meshFile}: {ex.Message}").ConfigureAwait(false);
                    return 2;
                }
            }

            var directory = parse.GetValue(config);
            return await ProxyCommandLine.RunAsync(options, identity, host => controlPlane is not null
                ? line.Connect(parse, host, controlPlane, identity)
                : new StaticConfigSource(directory!, identity, host.ApplyAsync, ProxyCommandLine.Print, settings: settings), cancel).ConfigureAwait(false);
        });
        return command;
    }
}
