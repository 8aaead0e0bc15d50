using Causeway.Protocol.V1;

namespace Causeway.Proxy.Routing;

/// <summary>
/// A route table compiled for lookup by Host/:authority in Envoy's order: exact domains (a dictionary), then suffix
/// wildcards (<c>*.foo.com</c>, longest first), then prefix wildcards (<c>foo.*</c>, longest first), then <c>*</c>.
/// A host with a port that matches nothing is tried again without the port, so <c>foo.example.com:12345</c> reaches a
/// gateway's <c>*.example.com</c> (Istio's behaviour).
/// </summary>
public sealed class CompiledRouteTable
{
    private readonly Dictionary<string, CompiledVirtualHost> exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly (string Suffix, CompiledVirtualHost Host)[] suffixes;
    private readonly (string Prefix, CompiledVirtualHost Host)[] prefixes;
    private readonly CompiledVirtualHost? any;

    public CompiledRouteTable(RouteTable table)
    {
        Name = table.Name;
        var suffixList = new List<(string, CompiledVirtualHost)>();
        var prefixList = new List<(string, CompiledVirtualHost)>();
        foreach (var vh in table.VirtualHosts)
        {
            var compiled = new CompiledVirtualHost(vh);
            foreach (var d in vh.Domains)
            {
                if (d == "*")
                {
                    any ??= compiled;
                }
                else if (d.StartsWith('*'))
                {
                    suffixList.Add((d[1..], compiled));
                }
                else if (d.EndsWith('*'))
                {
                    prefixList.Add((d[..^1], compiled));
                }
                else
                {
                    exact.TryAdd(d, compiled);
                }
            }
        }

        suffixes = suffixList.OrderByDescending(s => s.Item1.Length).ToArray();
        prefixes = prefixList.OrderByDescending(s => s.Item1.Length).ToArray();
    }

    public string Name { get; }

    public CompiledVirtualHost? FindVirtualHost(string authority)
    {
        var host = Lookup(authority);
        if (host is not null)
        {
            return host;
        }

        var colon = authority.LastIndexOf(':');
        return colon > 0 && authority.IndexOf(']', StringComparison.Ordinal) < colon ? Lookup(authority[..colon]) : null;
    }

    private CompiledVirtualHost? Lookup(string host)
    {
        if (exact.TryGetValue(host, out var vh))
        {
            return vh;
        }

        foreach (var (suffix, h) in suffixes)
        {
            if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return h;
            }
        }

        foreach (var (prefix, h) in prefixes)
        {
            if (host.Length > prefix.Length && host.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return h;
            }
        }

        return any;
    }
}
