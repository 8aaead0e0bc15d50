using System.CommandLine;
using System.Diagnostics;
using Causeway.Kubernetes;

namespace Causeway.Cli.Commands;

/// <summary>
/// <c>causeway iptables</c>: the injected init container's command (istio-iptables' role). Writes the capture rules
/// into the pod's network namespace with iptables-restore, or prints them with --dry-run.
/// </summary>
internal static class IptablesCommand
{
    public static Command Create()
    {
        var defaults = new CaptureRules();
        var outboundPort = new Option<int>("--proxy-port", "-p") { Description = "Where outbound traffic is redirected (the proxy's virtual outbound listener).", DefaultValueFactory = _ => defaults.OutboundPort };
        var inboundPort = new Option<int>("--inbound-capture-port", "-z") { Description = "Where inbound traffic is redirected (the proxy's virtual inbound listener).", DefaultValueFactory = _ => defaults.InboundPort };
        var uid = new Option<int>("--proxy-uid", "-u") { Description = "The proxy's uid: its own connections are not captured.", DefaultValueFactory = _ => defaults.ProxyUid };
        var gid = new Option<int>("--proxy-gid", "-g") { Description = "The proxy's gid: its own connections are not captured.", DefaultValueFactory = _ => defaults.ProxyGid };
        var inbound = new Option<string>("--inbound-ports", "-b") { Description = "Inbound ports to capture, comma-separated, or * for all (traffic.sidecar.istio.io/includeInboundPorts).", DefaultValueFactory = _ => defaults.IncludeInboundPorts };
        var excludeInbound = new Option<string>("--exclude-inbound-ports", "-d") { Description = "Inbound ports not captured (traffic.sidecar.istio.io/excludeInboundPorts); 15090, 15021 and 15020 never are.", DefaultValueFactory = _ => "" };
        var ranges = new Option<string>("--outbound-ip-ranges", "-i") { Description = "Outbound CIDRs to capture, or * for all (traffic.sidecar.istio.io/includeOutboundIPRanges).", DefaultValueFactory = _ => defaults.IncludeOutboundIpRanges };
        var excludeRanges = new Option<string>("--exclude-outbound-ip-ranges", "-x") { Description = "Outbound CIDRs not captured (traffic.sidecar.istio.io/excludeOutboundIPRanges).", DefaultValueFactory = _ => "" };
        var ports = new Option<string>("--outbound-ports", "-q") { Description = "Outbound ports always captured (traffic.sidecar.istio.io/includeOutboundPorts).", DefaultValueFactory = _ => "" };
        var excludePorts = new Option<string>("--exclude-outbound-ports", "-o") { Description = "Outbound ports never captured (traffic.sidecar.istio.io/excludeOutboundPorts).", DefaultValueFactory = _ => "" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the rules (iptables-restore input) instead of applying them." };
        var command = new Command("iptables", "Redirect this network namespace's TCP traffic through the sidecar (the init container's job, as istio-iptables): inbound to 15006, outbound to 15001, the proxy's own uid excluded.")
        {
            outboundPort, inboundPort, uid, gid, inbound, excludeInbound, ranges, excludeRanges, ports, excludePorts, dryRun,
        };
        command.SetAction(async (parse, cancel) =>
        {
            string rules;
            try
            {
                rules = new CaptureRules
                {
                    OutboundPort = parse.GetValue(outboundPort),
                    InboundPort = parse.GetValue(inboundPort),
                    ProxyUid = parse.GetValue(uid),
                    ProxyGid = parse.GetValue(gid),
                    IncludeInboundPorts = parse.GetValue(inbound)!,
                    ExcludeInboundPorts = parse.GetValue(excludeInbound)!,
                    IncludeOutboundIpRanges = parse.GetValue(ranges)!,
                    ExcludeOutboundIpRanges = parse.GetValue(excludeRanges)!,
                    IncludeOutboundPorts = parse.GetValue(ports)!,
                    ExcludeOutboundPorts = parse.GetValue(excludePorts)!,
                }.Render();
            }
            catch (FormatException ex)
            {
                await Console.Error.WriteLineAsync($"causeway iptables: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            if (parse.GetValue(dryRun))
            {
                Console.Write(rules);
                return 0;
            }

            // --noflush: the nat table's other rules (a CNI's) stay; only the ISTIO_ chains are declared here.
            Process restore;
            try
            {
                restore = Process.Start(new ProcessStartInfo("iptables-restore", "--noflush") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false })
                    ?? throw new System.ComponentModel.Win32Exception("did not start");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                await Console.Error.WriteLineAsync($"causeway iptables: cannot run iptables-restore ({ex.Message}); install iptables, or print the rules with --dry-run").ConfigureAwait(false);
                return 1;
            }

            using var running = restore;
            await restore.StandardInput.WriteAsync(rules).ConfigureAwait(false);
            restore.StandardInput.Close();
            var errors = await restore.StandardError.ReadToEndAsync(cancel).ConfigureAwait(false);
            await restore.WaitForExitAsync(cancel).ConfigureAwait(false);
            if (restore.ExitCode != 0)
            {
                await Console.Error.WriteLineAsync($"causeway iptables: iptables-restore failed ({restore.ExitCode}): {errors.Trim()}\nthe rules were:\n{rules}").ConfigureAwait(false);
                return 1;
            }

            Console.WriteLine($"causeway iptables: inbound to {parse.GetValue(inboundPort)}, outbound to {parse.GetValue(outboundPort)}, uid {parse.GetValue(uid)} excluded");
            return 0;
        });
        return command;
    }
}
