using System.CommandLine;
using Causeway.Api.Model.Common;
using Causeway.ControlPlane.Security;
using Causeway.Protocol.V1;

namespace Causeway.Cli.Commands;

/// <summary>
/// <c>causeway token</c>: makes a proxy's token for the push port with the control plane's key, for the proxy's
/// <c>--token-file</c>. A gateway's token names its namespace (it then gets that namespace's Secrets); a sidecar's
/// names its workload.
/// </summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var key = new Option<string>("--key") { Description = "The control plane's --token-key file.", Required = true };
        var role = new Option<string>("--role") { Description = "gateway or sidecar.", DefaultValueFactory = _ => "sidecar" };
        var workload = new Option<string?>("--workload") { Description = "Sidecar: NAME.NAMESPACE of its WorkloadEntry." };
        var ns = new Option<string?>("--namespace") { Description = "Gateway: the namespace it runs in (its --gateway-namespace), whose Secrets it may receive." };
        var validFor = new Option<string>("--valid-for") { Description = "How long the token is good for (Go duration).", DefaultValueFactory = _ => "8760h" };
        role.AcceptOnlyFromAmong("gateway", "sidecar");
        var command = new Command("token", "Make a proxy's token for the control plane (give it to the proxy with --token-file).")
        {
            key, role, workload, ns, validFor,
        };
        command.SetAction(async (parse, cancel) =>
        {
            PushCredential credential;
            if (parse.GetValue(role) == "gateway")
            {
                if (parse.GetValue(ns) is not { Length: > 0 } gatewayNamespace)
                {
                    await Console.Error.WriteLineAsync("--role gateway needs --namespace (the gateway's --gateway-namespace)").ConfigureAwait(false);
                    return 2;
                }

                credential = new PushCredential(ProxyRole.Gateway, gatewayNamespace, null);
            }
            else
            {
                var name = parse.GetValue(workload) ?? "";
                var dot = name.LastIndexOf('.');
                if (dot <= 0 || dot == name.Length - 1)
                {
                    await Console.Error.WriteLineAsync("--role sidecar needs --workload NAME.NAMESPACE").ConfigureAwait(false);
                    return 2;
                }

                credential = new PushCredential(ProxyRole.Sidecar, name[(dot + 1)..], name[..dot]);
            }

            if (!ProtoDuration.TryParse(parse.GetValue(validFor)!, out var lifetime, out var error) || lifetime.Value <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync($"--valid-for: {error ?? "must be positive"}").ConfigureAwait(false);
                return 2;
            }

            PushTokenAuthority authority;
            try
            {
                authority = PushTokenAuthority.FromKeyFile(parse.GetValue(key)!, createIfMissing: false);
            }
            catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"--key: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            Console.WriteLine(authority.Mint(credential, lifetime.Value));
            return 0;
        });
        return command;
    }
}
