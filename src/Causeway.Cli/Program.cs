using System.CommandLine;
using Causeway.Cli.Commands;
using Causeway.Proxy.CommandLine;

namespace Causeway.Cli;

/// <summary>The <c>causeway</c> command: one program for every role (validation, proxy, control plane, status).</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["proxy", ..])
        {
            ProxyCommandLine.UseInlineSocketCompletions();
        }

        var root = new RootCommand("Causeway: a service mesh that speaks Istio's API.")
        {
            CheckCommands.Validate(),
            CheckCommands.Analyze(),
            ProxyCommand.Create(),
            ControlPlaneCommands.ControlPlane(),
            ControlPlaneCommands.Status(),
            ControlPlaneCommands.Dashboard(),
            TokenCommand.Create(),
            ProxyConfigCommand.Create(),
            ExplainCommand.Create(),
            IptablesCommand.Create(),
            KubeInjectCommand.Create(),
            InstallCommand.Create(),
            LocalCommands.Up(),
            LocalCommands.Demo(),
        };
        return root.Parse(args).Invoke();
    }
}
