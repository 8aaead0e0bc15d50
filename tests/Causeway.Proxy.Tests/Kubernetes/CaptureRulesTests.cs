using Causeway.Kubernetes;

namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>
/// <c>causeway iptables</c>' rules, compared with what istio-iptables writes in REDIRECT mode for the same
/// annotations (chain names, the order that lets the proxy's own uid and loopback out first, the proxy's ports never
/// captured inbound).
/// </summary>
public class CaptureRulesTests
{
    [Fact]
    public void The_defaults_capture_all_inbound_and_outbound_tcp_but_the_proxys_own()
    {
        var lines = new CaptureRules().Render().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("*nat", lines[0]);
        Assert.Equal("COMMIT", lines[^1]);
        Assert.Equal(
            [
                "-A PREROUTING -p tcp -j ISTIO_INBOUND",
                "-A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN",
                "-A ISTIO_INBOUND -p tcp --dport 15021 -j RETURN",
                "-A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN",
                "-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT",
                "-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006",
                "-A OUTPUT -p tcp -j ISTIO_OUTPUT",
                "-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN",
                "-A ISTIO_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN",
                "-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN",
                "-A ISTIO_OUTPUT -o lo -m owner ! --gid-owner 1337 -j RETURN",
                "-A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN",
                "-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN",
                "-A ISTIO_OUTPUT -j ISTIO_REDIRECT",
                "-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001",
            ],
            lines.Where(l => l.StartsWith("-A", StringComparison.Ordinal)));
    }

    [Fact]
    public void Annotation_lists_narrow_what_is_captured()
    {
        var rules = new CaptureRules
        {
            IncludeInboundPorts = "9080, 9443",
            ExcludeInboundPorts = "8081",
            IncludeOutboundIpRanges = "10.96.0.0/12,10.244.0.0/16",
            ExcludeOutboundIpRanges = "10.96.0.1/32",
            ExcludeOutboundPorts = "5432",
            IncludeOutboundPorts = "3306",
        }.Render();
        Assert.Contains("-A ISTIO_INBOUND -p tcp --dport 8081 -j RETURN\n", rules, StringComparison.Ordinal);
        Assert.Contains("-A ISTIO_INBOUND -p tcp --dport 9080 -j ISTIO_IN_REDIRECT\n-A ISTIO_INBOUND -p tcp --dport 9443 -j ISTIO_IN_REDIRECT\n", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT", rules, StringComparison.Ordinal);
        Assert.Contains("-A OUTPUT -p tcp -j ISTIO_OUTPUT\n-A ISTIO_OUTPUT -p tcp --dport 5432 -j RETURN\n", rules, StringComparison.Ordinal);
        Assert.Contains("-A ISTIO_OUTPUT -p tcp --dport 3306 -j ISTIO_REDIRECT\n-A ISTIO_OUTPUT -d 10.96.0.1/32 -j RETURN\n" +
                        "-A ISTIO_OUTPUT -d 10.96.0.0/12 -j ISTIO_REDIRECT\n-A ISTIO_OUTPUT -d 10.244.0.0/16 -j ISTIO_REDIRECT\n", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("-A ISTIO_OUTPUT -j ISTIO_REDIRECT", rules, StringComparison.Ordinal);

        // Nothing inbound captured: no PREROUTING jump at all
        Assert.DoesNotContain("PREROUTING", new CaptureRules { IncludeInboundPorts = "" }.Render(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9080,x", "", "include inbound ports: \"x\" is not a port")]
    [InlineData("*", "10.0.0.0/33", "exclude outbound IP ranges: \"10.0.0.0/33\" is not an IPv4 CIDR")]
    [InlineData("70000", "", "include inbound ports: \"70000\" is not a port (1-65535) or *")]
    public void A_malformed_list_is_refused_naming_it(string inbound, string excludeRanges, string message)
    {
        var ex = Assert.Throws<FormatException>(() => new CaptureRules { IncludeInboundPorts = inbound, ExcludeOutboundIpRanges = excludeRanges }.Render());
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }
}
