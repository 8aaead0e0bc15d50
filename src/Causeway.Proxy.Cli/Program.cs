using System.CommandLine;
using Causeway.Proxy.CommandLine;

namespace Causeway.Proxy.Cli;

/// <summary>
/// <c>causeway-proxy</c>: a sidecar or gateway fed by a control plane. Static mode (a directory of YAML) needs the
/// translation, which lives in the full <c>causeway</c> command: <c>causeway proxy --config DIR</c>.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        ProxyCommandLine.UseInlineSocketCompletions();
        var line = new ProxyCommandLine();
        var root = line.AddTo(new RootCommand("causeway-proxy: the Causeway proxy (sidecar or gateway), configured by a control plane."));
        root.SetAction(async (parse, cancel) =>
        {
            if (parse.GetValue(line.ControlPlane) is null)
            {
                await Console.Error.WriteLineAsync("causeway-proxy needs --control-plane URL (to run from a directory of YAML, use causeway proxy --config DIR)").ConfigureAwait(false);
                return 2;
            }

            if (!line.TryControlPlane(parse, out var controlPlane) || line.Identity(parse) is not { } identity || line.Options(parse) is not { } options)
            {
                return 2;
            }

            return await ProxyCommandLine.RunAsync(options, identity, host => line.Connect(parse, host, controlPlane!, identity), cancel).ConfigureAwait(false);
        });
        return root.Parse(args).Invoke();
    }
}
