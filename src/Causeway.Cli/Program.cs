using System.CommandLine;
using Causeway.Cli.Commands;

namespace Causeway.Cli;

/// <summary>The <c>causeway</c> command: one program for every role (validation, proxy, control plane, status).</summary>
internal static class Program
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static int Main(string[] args)
    {
        if (args is ["proxy", ..] && Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            // A proxy's socket continuations run on the epoll thread that saw the event instead of hopping to the
            // thread pool: measured with bench/proxy-1k.sh on one core, 2.3 -> 1.0 context switches per request and
            // about 10% less CPU per request. Proxy code never blocks, which is what this needs. Read when the first
            // socket is made, so it must be set before then; the user's own setting wins.
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }

        var root = new RootCommand("Causeway: a service mesh that speaks Istio's API.")
        {
            CheckCommands.Validate(),
            CheckCommands.Analyze(),
            ProxyCommand.Create(),
            ControlPlaneCommands.ControlPlane(),
            ControlPlaneCommands.Status(),
            ProxyConfigCommand.Create(),
            ExplainCommand.Create(),
            LocalCommands.Up(),
            LocalCommands.Demo(),
        };
        return root.Parse(args).Invoke();
    }
}
