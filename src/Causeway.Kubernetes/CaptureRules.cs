using System.Globalization;
using System.Net;
using System.Text;

namespace Causeway.Kubernetes;

/// <summary>
/// The iptables rules that put a pod's TCP traffic through its sidecar, as istio-iptables writes them in REDIRECT
/// mode, with its chain names: inbound (PREROUTING) to the proxy's inbound capture port, outbound (OUTPUT) to its
/// outbound port, except the proxy's own connections (its uid and gid), loopback traffic the application keeps to
/// itself, and the ports and address ranges the pod's annotations leave out. Pure text, for iptables-restore.
/// One rule of Istio's is left out on purpose: it sends the proxy's own connections to the pod's address back
/// through the inbound port (Istio then needs 127.0.0.6 as their source); here they go to the application directly.
/// </summary>
public sealed record CaptureRules
{
    public int OutboundPort { get; init; } = 15001;

    public int InboundPort { get; init; } = 15006;

    public int ProxyUid { get; init; } = 1337;

    public int ProxyGid { get; init; } = 1337;

    /// <summary>Inbound ports captured: "*" for all (Istio's default), a list, or empty for none.</summary>
    public string IncludeInboundPorts { get; init; } = "*";

    /// <summary>The proxy's own ports (Prometheus 15090, health 15021, agent 15020) are never captured, then these.</summary>
    public string ExcludeInboundPorts { get; init; } = "";

    /// <summary>Outbound destinations captured: "*" for all, CIDRs, or empty for none.</summary>
    public string IncludeOutboundIpRanges { get; init; } = "*";

    public string ExcludeOutboundIpRanges { get; init; } = "";

    /// <summary>Outbound ports captured whatever the address ranges say (traffic.sidecar.istio.io/includeOutboundPorts).</summary>
    public string IncludeOutboundPorts { get; init; } = "";

    public string ExcludeOutboundPorts { get; init; } = "";

    private static readonly int[] ProxyPorts = [15090, 15021, 15020];

    /// <summary>The iptables-restore input for the nat table; a malformed port or range throws a FormatException naming it.</summary>
    public string Render()
    {
        var inboundPorts = Ports(IncludeInboundPorts, "include inbound ports", allowStar: true);
        var excludedInbound = Ports(ExcludeInboundPorts, "exclude inbound ports", allowStar: false);
        var includeRanges = Ranges(IncludeOutboundIpRanges, "include outbound IP ranges", allowStar: true);
        var excludeRanges = Ranges(ExcludeOutboundIpRanges, "exclude outbound IP ranges", allowStar: false);
        var includeOutboundPorts = Ports(IncludeOutboundPorts, "include outbound ports", allowStar: false);
        var excludeOutboundPorts = Ports(ExcludeOutboundPorts, "exclude outbound ports", allowStar: false);

        var rules = new StringBuilder();
        void Add(string line) => rules.Append(line).Append('\n');
        Add("*nat");
        foreach (var chain in new[] { "ISTIO_INBOUND", "ISTIO_IN_REDIRECT", "ISTIO_OUTPUT", "ISTIO_REDIRECT" })
        {
            Add($":{chain} - [0:0]");
        }

        // Inbound: everything (or the listed ports) to the inbound capture port, but the proxy's own ports.
        if (inboundPorts is not [])
        {
            Add("-A PREROUTING -p tcp -j ISTIO_INBOUND");
            foreach (var port in ProxyPorts.Concat(excludedInbound.Select(Int)).Distinct())
            {
                Add(Invariant($"-A ISTIO_INBOUND -p tcp --dport {port} -j RETURN"));
            }

            if (inboundPorts is ["*"])
            {
                Add("-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT");
            }
            else
            {
                foreach (var port in inboundPorts)
                {
                    Add($"-A ISTIO_INBOUND -p tcp --dport {port} -j ISTIO_IN_REDIRECT");
                }
            }
        }

        Add(Invariant($"-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports {InboundPort}"));

        // Outbound: the proxy's own connections and loopback traffic go out as they are; the rest to the outbound port.
        Add("-A OUTPUT -p tcp -j ISTIO_OUTPUT");
        foreach (var port in excludeOutboundPorts)
        {
            Add($"-A ISTIO_OUTPUT -p tcp --dport {port} -j RETURN");
        }

        Add("-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN");
        Add(Invariant($"-A ISTIO_OUTPUT -o lo -m owner ! --uid-owner {ProxyUid} -j RETURN"));
        Add(Invariant($"-A ISTIO_OUTPUT -m owner --uid-owner {ProxyUid} -j RETURN"));
        Add(Invariant($"-A ISTIO_OUTPUT -o lo -m owner ! --gid-owner {ProxyGid} -j RETURN"));
        Add(Invariant($"-A ISTIO_OUTPUT -m owner --gid-owner {ProxyGid} -j RETURN"));
        Add("-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN");
        foreach (var port in includeOutboundPorts)
        {
            Add($"-A ISTIO_OUTPUT -p tcp --dport {port} -j ISTIO_REDIRECT");
        }

        foreach (var range in excludeRanges)
        {
            Add($"-A ISTIO_OUTPUT -d {range} -j RETURN");
        }

        if (includeRanges is ["*"])
        {
            Add("-A ISTIO_OUTPUT -j ISTIO_REDIRECT");
        }
        else
        {
            foreach (var range in includeRanges)
            {
                Add($"-A ISTIO_OUTPUT -d {range} -j ISTIO_REDIRECT");
            }
        }

        Add(Invariant($"-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports {OutboundPort}"));
        Add("COMMIT");
        return rules.ToString();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static int Int(string port) => int.Parse(port, CultureInfo.InvariantCulture);

    /// <summary>A comma-separated port list ("*" where allowed), each 1-65535.</summary>
    private static List<string> Ports(string list, string what, bool allowStar)
    {
        var items = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (allowStar && items is ["*"])
        {
            return items;
        }

        foreach (var item in items)
        {
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new FormatException($"{what}: \"{item}\" is not a port (1-65535){(allowStar ? " or *" : "")}");
            }
        }

        return items;
    }

    /// <summary>A comma-separated list of IPv4 CIDRs ("*" where allowed).</summary>
    private static List<string> Ranges(string list, string what, bool allowStar)
    {
        var items = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (allowStar && items is ["*"])
        {
            return items;
        }

        foreach (var item in items)
        {
            if (!IPNetwork.TryParse(item.Contains('/', StringComparison.Ordinal) ? item : item + "/32", out var network) ||
                network.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                throw new FormatException($"{what}: \"{item}\" is not an IPv4 CIDR{(allowStar ? " or *" : "")}");
            }
        }

        return items;
    }
}
