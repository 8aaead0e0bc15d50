using System.CommandLine;
using System.Text.Json;
using Causeway.Protocol.V1;
using Google.Protobuf;

namespace Causeway.Cli.Commands;

/// <summary>
/// <c>causeway proxy-config listeners|routes|clusters|endpoints WORKLOAD</c>: what one proxy believes, read from its
/// admin listener (found through the control plane's status, or given with --admin), as tables.
/// </summary>
internal static class ProxyConfigCommand
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static Command Create()
    {
        var kind = new Argument<string>("kind") { Description = "listeners, routes, clusters, endpoints or secret (the workload certificate)." };
        kind.AcceptOnlyFromAmong("listeners", "routes", "clusters", "endpoints", "secret");
        var workload = new Argument<string?>("workload") { Description = "The proxy, as NAME.NAMESPACE (a sidecar's workload or a gateway's name).", Arity = ArgumentArity.ZeroOrOne };
        var admin = new Option<string?>("--admin") { Description = "The proxy's admin address (http://127.0.0.1:15000), instead of asking the control plane." };
        var controlPlane = new Option<string>("--control-plane") { Description = "The control plane's status address.", DefaultValueFactory = _ => "http://127.0.0.1:15014" };
        var command = new Command("proxy-config", "Show a proxy's listeners, routes, clusters or endpoints as it holds them.") { kind, workload, admin, controlPlane };
        command.SetAction(async (parse, cancel) =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var adminUrl = parse.GetValue(admin);
            try
            {
                adminUrl ??= await AdminOf(http, parse.GetValue(controlPlane)!, parse.GetValue(workload), cancel).ConfigureAwait(false);
                if (adminUrl is null)
                {
                    return 1;
                }

                if (parse.GetValue(kind) == "secret")
                {
                    return PrintSecret(await http.GetStringAsync(new Uri(new Uri(adminUrl), "/certs"), cancel).ConfigureAwait(false));
                }

                var dump = await http.GetStringAsync(new Uri(new Uri(adminUrl), "/config_dump"), cancel).ConfigureAwait(false);
                var rows = new List<string[]>();
                Print(parse.GetValue(kind)!, Parser.Parse<ProxySnapshot>(dump), rows);
                var widths = Enumerable.Range(0, rows.Max(r => r.Length)).Select(i => rows.Max(r => i < r.Length ? r[i].Length : 0)).ToArray();
                foreach (var row in rows)
                {
                    Console.WriteLine(string.Join("  ", row.Select((c, i) => i == row.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
                }

                return 0;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException or InvalidProtocolBufferException or JsonException)
            {
                await Console.Error.WriteLineAsync($"cannot read the proxy's configuration: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    /// <summary>istioctl proxy-config secret: the workload certificate's identity, serial and validity, and the root it trusts.</summary>
    private static int PrintSecret(string certs)
    {
        var root = JsonDocument.Parse(certs).RootElement;
        var all = root.GetProperty("certificates");
        if (all.GetArrayLength() == 0)
        {
            Console.WriteLine($"no workload certificate{(root.GetProperty("refused").GetString() is { Length: > 0 } why ? ": " + why : " yet")}");
            return 1;
        }

        Console.WriteLine("RESOURCE  IDENTITY / SUBJECT  SERIAL  NOT AFTER  DAYS LEFT");
        foreach (var c in all[0].GetProperty("cert_chain").EnumerateArray())
        {
            var name = c.TryGetProperty("subject_alt_names", out var sans) ? sans[0].GetProperty("uri").GetString() : c.GetProperty("subject").GetString();
            Console.WriteLine($"default  {name}  {c.GetProperty("serial_number").GetString()}  {c.GetProperty("expiration_time").GetString()}  {c.GetProperty("days_until_expiration").GetInt32()}");
        }

        foreach (var c in all[0].GetProperty("ca_cert").EnumerateArray())
        {
            Console.WriteLine($"ROOTCA  {c.GetProperty("subject").GetString()}  {c.GetProperty("serial_number").GetString()}  {c.GetProperty("expiration_time").GetString()}  {c.GetProperty("days_until_expiration").GetInt32()}");
        }

        return 0;
    }

    /// <summary>A proxy's admin address, from the control plane's status; null (after saying why) when not found.</summary>
    internal static async Task<string?> AdminOf(HttpClient http, string controlPlane, string? target, CancellationToken cancel)
    {
        if (target is null)
        {
            await Console.Error.WriteLineAsync("give the proxy as NAME.NAMESPACE, or its admin address with --admin").ConfigureAwait(false);
            return null;
        }

        var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(new Uri(controlPlane), "/status"), cancel).ConfigureAwait(false)).RootElement;
        var match = status.GetProperty("proxies").EnumerateArray()
            .FirstOrDefault(p => p.GetProperty("proxy").GetString()!.EndsWith(" " + target, StringComparison.Ordinal));
        if (match.ValueKind == JsonValueKind.Undefined || match.GetProperty("admin").GetString() is not { Length: > 0 } found)
        {
            await Console.Error.WriteLineAsync($"no connected proxy {target} at the control plane ({controlPlane}); `causeway status` lists them").ConfigureAwait(false);
            return null;
        }

        return "http://" + found;
    }

    private static void Print(string kind, ProxySnapshot s, List<string[]> rows)
    {
        void Row(params string[] cells) => rows.Add(cells);

        Console.WriteLine($"snapshot {s.Version} ({s.Proxy.Role} {s.Proxy.Name}.{s.Proxy.Namespace})");
        switch (kind)
        {
            case "listeners":
                Row("NAME", "ADDRESS", "PORT", "PROTOCOL", "DIRECTION", "DESTINATION");
                foreach (var l in s.Listeners)
                {
                    var destination = l.Protocol == ListenerProtocol.Tcp ? string.Join(",", l.Tcp?.Clusters.Select(c => c.Cluster) ?? []) : "routes " + l.RouteTable;
                    Row(l.Name, l.Address.Length > 0 ? l.Address : "(default)", l.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), l.Protocol + (l.Tls is null ? "" : "+TLS"), l.Direction.ToString(), destination);
                }

                break;
            case "routes":
                Row("ROUTE TABLE", "DOMAINS", "MATCH", "ROUTE", "ACTION");
                foreach (var table in s.RouteTables)
                {
                    foreach (var vh in table.VirtualHosts)
                    {
                        foreach (var r in vh.Routes)
                        {
                            var action = r.ActionCase switch
                            {
                                Route.ActionOneofCase.Forward => string.Join(" ", r.Forward.Clusters.Select(c => $"{c.Cluster}:{c.Weight}")),
                                Route.ActionOneofCase.Redirect => "redirect",
                                Route.ActionOneofCase.DirectResponse => $"direct {r.DirectResponse.Status}",
                                _ => "",
                            };
                            Row(table.Name, Short(string.Join(",", vh.Domains), 48), Match(r.Match), r.Name, action);
                        }
                    }
                }

                break;
            case "clusters":
                Row("CLUSTER", "LB", "DESTINATION RULE", "POOL", "OUTLIER");
                foreach (var c in s.Clusters)
                {
                    var pool = c.ConnectionPool is { } p && (p.MaxConnections > 0 || p.Http2MaxRequests > 0 || p.Http1MaxPendingRequests > 0)
                        ? $"conns {p.MaxConnections} pending {p.Http1MaxPendingRequests} requests {p.Http2MaxRequests}"
                        : "unlimited";
                    Row(c.Name, c.OriginalDestination ? "ORIGINAL_DST" : c.LbPolicy.ToString(), c.DestinationRule.Length > 0 ? c.DestinationRule : "-", pool, c.OutlierDetection is { } od ? $"{od.Consecutive5Xx} x 5xx" : "-");
                }

                break;
            default:
                Row("CLUSTER", "ENDPOINT", "HEALTHY", "LOCALITY", "PRIORITY", "WORKLOAD");
                foreach (var group in s.Endpoints)
                {
                    foreach (var e in group.Endpoints)
                    {
                        Row(group.Cluster, $"{e.Address}:{e.Port}", e.Healthy ? "yes" : "no", e.Locality, e.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Workload);
                    }
                }

                break;
        }
    }

    private static string Match(RouteMatch? m)
    {
        if (m is null)
        {
            return "*";
        }

        var parts = new List<string>();
        if (m.Path is { } p)
        {
            parts.Add(p.KindCase switch
            {
                StringMatch.KindOneofCase.Exact => "path=" + p.Exact,
                StringMatch.KindOneofCase.Prefix => "prefix=" + p.Prefix,
                StringMatch.KindOneofCase.Regex => "regex=" + p.Regex,
                _ => "path",
            });
        }

        parts.AddRange(m.Headers.Select(h => "header " + h.Name));
        parts.AddRange(m.QueryParams.Select(q => "query " + q.Name));
        return parts.Count == 0 ? "*" : string.Join(" ", parts);
    }

    private static string Short(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
