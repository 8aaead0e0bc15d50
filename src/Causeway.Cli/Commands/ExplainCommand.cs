using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Causeway.Api.Diagnostics;
using Causeway.Protocol.V1;
using Causeway.Proxy.Routing;
using Causeway.Proxy.Security.Authorization;
using Google.Protobuf;

namespace Causeway.Cli.Commands;

/// <summary>
/// <c>causeway explain WORKLOAD --url URL [-X METHOD] [-H 'name: value']</c>: the path a request would take through a
/// proxy's live configuration (listener, virtual host, route and the VirtualService and file it came from, cluster,
/// subset, balancer, endpoints with health and ejection) and what could refuse it; and <c>causeway explain --flag
/// UO</c>: what a response flag means and where to look. The answer to "why did this request get a 503?".
/// </summary>
internal static class ExplainCommand
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static Command Create()
    {
        var workload = new Argument<string?>("workload") { Description = "The proxy, as NAME.NAMESPACE.", Arity = ArgumentArity.ZeroOrOne };
        var url = new Option<string?>("--url") { Description = "The request's URL as the application sends it, e.g. http://reviews:9080/reviews/1." };
        var method = new Option<string>("-X", "--method") { Description = "HTTP method.", DefaultValueFactory = _ => "GET" };
        var headers = new Option<string[]>("-H", "--header") { Description = "A request header, 'name: value'; repeatable.", AllowMultipleArgumentsPerToken = false };
        var flag = new Option<string?>("--flag") { Description = "Explain a response flag (UO, UH, NR, ...) instead." };
        var admin = new Option<string?>("--admin") { Description = "The proxy's admin address, instead of asking the control plane." };
        var controlPlane = new Option<string>("--control-plane") { Description = "The control plane's status address.", DefaultValueFactory = _ => "http://127.0.0.1:15014" };
        var command = new Command("explain", "Explain where a request goes through a proxy and what could refuse it, or what a response flag means.")
        {
            workload, url, method, headers, flag, admin, controlPlane,
        };
        command.SetAction(async (parse, cancel) =>
        {
            if (parse.GetValue(flag) is { } f)
            {
                return ExplainFlags(f);
            }

            if (parse.GetValue(url) is not { } target || !Uri.TryCreate(target, UriKind.Absolute, out var uri))
            {
                await Console.Error.WriteLineAsync("give --url http://HOST:PORT/PATH (or --flag FLAG)").ConfigureAwait(false);
                return 2;
            }

            var headerMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in parse.GetValue(headers) ?? [])
            {
                var colon = h.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    await Console.Error.WriteLineAsync($"-H {h}: expected 'name: value'").ConfigureAwait(false);
                    return 2;
                }

                headerMap[h[..colon].Trim()] = h[(colon + 1)..].Trim();
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                var adminUrl = parse.GetValue(admin) ?? await ProxyConfigCommand.AdminOf(http, parse.GetValue(controlPlane)!, parse.GetValue(workload), cancel).ConfigureAwait(false);
                if (adminUrl is null)
                {
                    return 1;
                }

                var snapshot = Parser.Parse<ProxySnapshot>(await http.GetStringAsync(new Uri(new Uri(adminUrl), "/config_dump"), cancel).ConfigureAwait(false));
                var health = await http.GetStringAsync(new Uri(new Uri(adminUrl), "/clusters"), cancel).ConfigureAwait(false);
                Explain(snapshot, health, parse.GetValue(method)!, uri, headerMap);
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

    private static int ExplainFlags(string flags)
    {
        var known = true;
        foreach (var f in flags.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (ResponseFlagMeanings.All.TryGetValue(f.ToUpperInvariant(), out var info))
            {
                Console.WriteLine($"{f.ToUpperInvariant()}: {info.Meaning}\n    look at: {info.Look}");
            }
            else
            {
                known = false;
                Console.WriteLine($"{f}: not a flag Causeway sets. Known: {string.Join(", ", ResponseFlagMeanings.All.Keys)}");
            }
        }

        return known ? 0 : 1;
    }

    private static void Explain(ProxySnapshot s, string health, string method, Uri url, Dictionary<string, string> headers)
    {
        var authority = headers.TryGetValue("host", out var host) ? host : url.IsDefaultPort ? url.Host : $"{url.Host}:{url.Port}";
        Console.WriteLine($"{method} {url} through {s.Proxy.Role.ToString().ToLowerInvariant()} {s.Proxy.Name}.{s.Proxy.Namespace} (snapshot {s.Version})");
        // a request to the workload's own address arrives on its inbound side; anything else leaves through outbound
        var inbound = s.Proxy.Address.Length > 0 && url.Host == s.Proxy.Address;
        var listener = s.Listeners.FirstOrDefault(l => l.Port == url.Port && (l.Direction == TrafficDirection.Inbound) == inbound)
                       ?? s.Listeners.FirstOrDefault(l => l.Port == url.Port);
        if (listener is null)
        {
            Console.WriteLine($"  listener   none on port {url.Port}: the proxy does not serve this port (ports: {string.Join(", ", s.Listeners.Select(l => l.Port).Distinct())})");
            return;
        }

        Console.WriteLine($"  listener   {listener.Name} ({listener.Protocol}, {listener.Direction}{(listener.Address.Length > 0 ? ", " + listener.Address : "")})");
        if (listener.Protocol == ListenerProtocol.Tcp)
        {
            Console.WriteLine($"  tcp        {string.Join(", ", listener.Tcp.Clusters.Select(c => $"{c.Cluster} weight {c.Weight}"))}");
            foreach (var c in listener.Tcp.Clusters)
            {
                Cluster(s, health, c.Cluster);
            }

            return;
        }

        var table = s.RouteTables.FirstOrDefault(t => t.Name == listener.RouteTable);
        if (table is null)
        {
            Console.WriteLine($"  result     503: route table {listener.RouteTable} is missing");
            return;
        }

        if (s.Security is { Authorization.Count: > 0 } security && listener.Direction != TrafficDirection.Outbound)
        {
            // Envoy's rbac filter runs before routing: a denied request never reaches a route
            var input = new AuthorizationInput
            {
                IsHttp = true,
                SourceIp = "127.0.0.1",
                RemoteIp = "127.0.0.1",
                DestinationPort = listener.Port,
                Method = method,
                Path = url.AbsolutePath,
                Host = authority,
                Header = name => headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null,
            };
            var decision = new CompiledAuthorization(security.Authorization, http: true).Decide(input);
            Console.WriteLine($"  authz      {decision.Because} (as a plaintext caller from 127.0.0.1 without a JWT: explain checks no token)");
            if (!decision.Allowed)
            {
                Console.WriteLine("  result     403 RBAC: access denied");
                return;
            }
        }

        var compiled = new CompiledRouteTable(table);
        var vhost = compiled.FindVirtualHost(authority);
        if (vhost is { Source.OriginalDestinationOnly: true })
        {
            // ALLOW_ANY's catch-all only serves connections captured by iptables; said both ways.
            Console.WriteLine($"  vhost      {vhost.Source.Name} (outboundTrafficPolicy ALLOW_ANY): no service has \"{authority}\"");
            Console.WriteLine("  captured   passed to the address the application dialled (PassthroughCluster)");
            vhost = null;
        }

        if (vhost is null)
        {
            Console.WriteLine($"  vhost      none for \"{authority}\"");
            Console.WriteLine("  result     404 NR: no virtual host (known: " + string.Join(", ", table.VirtualHosts.SelectMany(v => v.Domains).Where(d => !d.Contains(':', StringComparison.Ordinal)).Distinct().Take(12)) + ")");
            return;
        }

        Console.WriteLine($"  vhost      {vhost.Source.Name} (domains {string.Join(", ", vhost.Source.Domains.Take(6))}{(vhost.Source.Domains.Count > 6 ? ", ..." : "")})");
        var request = new ExplainRequest(method, url, headers, authority);
        var route = vhost.Match(ref request);
        if (route is null)
        {
            Console.WriteLine($"  result     404 NR: none of the {vhost.Routes.Length} routes matched");
            return;
        }

        var r = route.Route;
        var origin = r.Origin is { } o && o.Name.Length > 0 ? $" from {o.Kind} {o.Namespace}/{o.Name} http[{o.RuleIndex}] ({o.File}:{o.Line})" : "";
        Console.WriteLine($"  route      {r.Name}{origin}");
        switch (r.ActionCase)
        {
            case Route.ActionOneofCase.Redirect:
                Console.WriteLine($"  result     {r.Redirect.Code} redirect");
                return;
            case Route.ActionOneofCase.DirectResponse:
                Console.WriteLine($"  result     {r.DirectResponse.Status} direct response");
                return;
        }

        if (r.Fault is { } fault && (fault.DelayMs > 0 || fault.AbortHttpStatus > 0 || fault.AbortGrpcStatus.Length > 0))
        {
            Console.WriteLine($"  fault      delay {fault.DelayMs} ms for {fault.DelayPercent}%, abort {(fault.AbortHttpStatus > 0 ? fault.AbortHttpStatus.ToString(CultureInfo.InvariantCulture) : fault.AbortGrpcStatus)} for {fault.AbortPercent}% (flags DI/FI); no retries or timeout on this route");
        }

        if (r.RateLimit is { MaxTokens: > 0 } rl)
        {
            Console.WriteLine($"  rate limit {rl.MaxTokens} tokens, {rl.TokensPerFill} per {rl.FillIntervalMs} ms (429 RL when empty)");
        }

        Console.WriteLine($"  timeout    {(r.TimeoutMs > 0 ? r.TimeoutMs + " ms (504 UT)" : "none")}; retries {(r.Retry is { Attempts: > 0 } rp ? $"{rp.Attempts} on {string.Join(",", rp.RetryOn)}{(rp.RetriableStatusCodes.Count > 0 ? " " + string.Join(",", rp.RetriableStatusCodes) : "")}" : "none")}");
        foreach (var destination in r.Forward.Clusters)
        {
            Console.WriteLine($"  destination {destination.Cluster} weight {destination.Weight}");
            Cluster(s, health, destination.Cluster);
        }
    }

    private static void Cluster(ProxySnapshot s, string health, string name)
    {
        var cluster = s.Clusters.FirstOrDefault(c => c.Name == name);
        if (cluster is null)
        {
            Console.WriteLine($"    result   503 NC: cluster {name} does not exist (an undefined subset? see `causeway analyze`)");
            return;
        }

        var pool = cluster.ConnectionPool;
        Console.WriteLine($"    cluster  {(cluster.OriginalDestination ? "ORIGINAL_DST" : cluster.LbPolicy)}{(cluster.DestinationRule.Length > 0 ? " from DestinationRule " + cluster.DestinationRule : "")}; " +
                          $"limits: requests {Limit(pool?.Http2MaxRequests)}, connections {Limit(pool?.MaxConnections)}, pending {Limit(pool?.Http1MaxPendingRequests)} (503 UO beyond); " +
                          $"outlier detection {(cluster.OutlierDetection is { } od ? $"{od.Consecutive5Xx} x 5xx" : "off")}");
        var endpoints = s.Endpoints.FirstOrDefault(e => e.Cluster == name)?.Endpoints.ToList() ?? [];
        if (endpoints.Count == 0 && !cluster.OriginalDestination)
        {
            Console.WriteLine("    result   503 UH: the cluster has no endpoints");
        }

        var available = 0;
        foreach (var e in endpoints)
        {
            var flag = health.Split('\n').FirstOrDefault(l => l.StartsWith($"{name}::{e.Address}:{e.Port}::health_flags::", StringComparison.Ordinal))?.Split("::").Last() ?? (e.Healthy ? "healthy" : "/failed_eds_health");
            available += flag == "healthy" ? 1 : 0;
            Console.WriteLine($"    endpoint {e.Address}:{e.Port} {flag} priority {e.Priority}{(e.Locality.Length > 0 ? " " + e.Locality : "")} {e.Workload}");
        }

        if (endpoints.Count > 0 && available == 0)
        {
            Console.WriteLine("    result   503 UH: no endpoint is healthy and un-ejected");
        }
    }

    private static string Limit(uint? value) => value is > 0 ? value.Value.ToString(CultureInfo.InvariantCulture) : "unlimited";
}
