using System.CommandLine;
using System.Globalization;
using System.Net;
using Causeway.Protocol;
using Causeway.Proxy.Config;

namespace Causeway.Proxy.CommandLine;

/// <summary>
/// The proxy's command line, shared by the lean <c>causeway-proxy</c> binary (control plane only) and
/// <c>causeway proxy</c>, which adds static mode: the options, their checks, and the run loop once a config source is
/// chosen. One definition, so the two binaries cannot drift apart.
/// </summary>
public sealed class ProxyCommandLine
{
    public Option<string?> ControlPlane { get; } = new("--control-plane")
    {
        Description = "Control plane push address, e.g. http://127.0.0.1:15010: the proxy gets its snapshots from there, ACKs or NACKs each, keeps serving its last good one while the control plane is away, and reconnects with backoff. Several replicas, comma-separated: the proxy starts with one picked by a hash of its name and moves to the next when its stream ends (behind a Kubernetes Service, the Service does this).",
    };

    public Option<string> Role { get; } = new("--role")
    {
        Description = "sidecar (outbound listeners per reachable service port, inbound listeners to the local app) or gateway (listeners per Gateway server port).",
        DefaultValueFactory = _ => "sidecar",
    };

    public Option<string?> Workload { get; } = new("--workload")
    {
        Description = "Sidecar: the workload this proxy stands beside, as NAME.NAMESPACE of its WorkloadEntry (its labels select routes, Sidecar and DestinationRule scope).",
    };

    public Option<string?> GatewayLabels { get; } = new("--gateway-labels")
    {
        Description = "Gateway: the proxy's labels, as k=v[,k=v]; Gateways whose selector matches them are served (e.g. istio=ingressgateway).",
    };

    public Option<string> GatewayNamespace { get; } = new("--gateway-namespace")
    {
        Description = "Gateway: the namespace the gateway workload runs in; Secrets named by a Gateway server's tls.credentialName are read from it, as Istio does.",
        DefaultValueFactory = _ => "istio-system",
    };

    public Option<int> AdminPort { get; } = new("--admin-port")
    {
        Description = "Admin listener port on 127.0.0.1 (/ready, /config_dump, /clusters, /stats); 0 picks a free one.",
        DefaultValueFactory = _ => 15000,
    };

    public Option<string> OutboundAddress { get; } = new("--outbound-address")
    {
        Description = "Address outbound (sidecar) listeners bind to. Inbound listeners bind to the workload's address.",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    public Option<string?> StatusAddress { get; } = new("--status-address")
    {
        Description = "IP:PORT for the pod-facing status port (Istio's 15021): GET /healthz/ready (the kubelet's readiness probe) and /stats/prometheus. Off unless given; the admin listener stays on loopback.",
    };

    public Option<bool> Capture { get; } = new("--capture")
    {
        Description = "The workload's traffic is redirected to this sidecar by iptables (causeway iptables, in the pod's init container): listen on 15001 for outbound and 15006 for inbound and route each connection by its original destination, as Envoy's virtual listeners do. Run the proxy as the uid the rules exclude (1337).",
    };

    public Option<string> GatewayAddress { get; } = new("--gateway-address")
    {
        Description = "Address gateway listeners bind to.",
        DefaultValueFactory = _ => "0.0.0.0",
    };

    public Option<string[]> PortMap { get; } = new("--port-map")
    {
        Description = "CONFIG_PORT=LOCAL_PORT, repeatable: bind a listener declared on one port to another locally. Istio's ingress maps Service port 80 to 8080 in its pod; on one machine a Gateway server on port 80 can be served on 18080 with --port-map 80=18080.",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string?> TracingEndpoint { get; } = new("--tracing-endpoint")
    {
        Description = "OTLP/HTTP collector for spans, e.g. http://127.0.0.1:4318 (spans are sent to /v1/traces). Which requests are traced comes from Telemetry resources.",
    };

    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = "A file holding this proxy's token for the control plane (made by causeway token), read again at each reconnect. Without one the proxy gets its config but no Secrets (a gateway's credentialName certificates).",
    };

    public Option<int?> MaxConnections { get; } = new("--max-connections")
    {
        Description = "Most downstream connections across all listeners; past it a new connection is closed at once (Envoy's overload manager global_downstream_max_connections). Default: half the file descriptor limit left after 128.",
    };

    public Option<int?> MaxConnectionsPerListener { get; } = new("--max-connections-per-listener")
    {
        Description = "Most downstream connections on one listener (Envoy's listener connection_limit). Default: no limit but --max-connections.",
    };

    public ProxyCommandLine() => Role.AcceptOnlyFromAmong("sidecar", "gateway");

    /// <summary>Adds the shared options to a command (the root of causeway-proxy, or causeway's <c>proxy</c>); the caller adds its own and sets the action.</summary>
    public T AddTo<T>(T command)
        where T : Command
    {
        foreach (var option in new Option[] { ControlPlane, TokenFile, Role, Workload, GatewayLabels, GatewayNamespace, TracingEndpoint, AdminPort, StatusAddress, OutboundAddress, Capture, GatewayAddress, PortMap, MaxConnections, MaxConnectionsPerListener })
        {
            command.Options.Add(option);
        }

        return command;
    }

    /// <summary>Who the proxy is, from --role with --workload or --gateway-labels; null with the reason on standard error.</summary>
    public WorkloadIdentity? Identity(ParseResult parse)
    {
        if (parse.GetValue(Role) == "gateway")
        {
            var labels = ParseLabels(parse.GetValue(GatewayLabels));
            if (labels.Count == 0)
            {
                Console.Error.WriteLine("--role gateway needs --gateway-labels (for example istio=ingressgateway)");
                return null;
            }

            return WorkloadIdentity.Gateway(labels, ns: parse.GetValue(GatewayNamespace)!);
        }

        var name = parse.GetValue(Workload);
        if (string.IsNullOrEmpty(name))
        {
            Console.Error.WriteLine("--role sidecar needs --workload NAME.NAMESPACE");
            return null;
        }

        return WorkloadIdentity.Sidecar(name) with { Captured = parse.GetValue(Capture) };
    }

    /// <summary>The control plane's address when one was given and is an absolute URL; the reason on standard error otherwise.</summary>
    public bool TryControlPlane(ParseResult parse, out Uri[]? addresses)
    {
        addresses = null;
        if (parse.GetValue(ControlPlane) is not { } text)
        {
            return true;
        }

        var list = new List<Uri>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(item, UriKind.Absolute, out var address))
            {
                Console.Error.WriteLine($"--control-plane {item}: not an absolute URL (for example http://127.0.0.1:15010)");
                return false;
            }

            list.Add(address);
        }

        if (list.Count == 0)
        {
            Console.Error.WriteLine($"--control-plane \"{text}\": no address (for example http://127.0.0.1:15010, or several comma-separated)");
            return false;
        }

        addresses = [.. list];
        return true;
    }

    /// <summary>Where listeners bind, from the options; null with the reason on standard error when one is malformed.</summary>
    public ProxyOptions? Options(ParseResult parse)
    {
        if (!IPAddress.TryParse(parse.GetValue(OutboundAddress), out var outbound) || !IPAddress.TryParse(parse.GetValue(GatewayAddress), out var gateway))
        {
            Console.Error.WriteLine("--outbound-address and --gateway-address take an IP address");
            return null;
        }

        Uri? tracing = null;
        if (parse.GetValue(TracingEndpoint) is { } endpoint && !Uri.TryCreate(endpoint, UriKind.Absolute, out tracing))
        {
            Console.Error.WriteLine($"--tracing-endpoint {endpoint}: not an absolute URL (for example http://127.0.0.1:4318)");
            return null;
        }

        if (!TryParsePortMap(parse.GetValue(PortMap) ?? [], out var ports))
        {
            Console.Error.WriteLine("--port-map takes CONFIG_PORT=LOCAL_PORT, for example 80=18080");
            return null;
        }

        IPEndPoint? statusAddress = null;
        if (parse.GetValue(StatusAddress) is { } statusText && !IPEndPoint.TryParse(statusText, out statusAddress))
        {
            Console.Error.WriteLine($"--status-address {statusText}: not IP:PORT (for example 0.0.0.0:15021)");
            return null;
        }

        if (parse.GetValue(MaxConnections) is <= 0 || parse.GetValue(MaxConnectionsPerListener) is <= 0)
        {
            Console.Error.WriteLine("--max-connections and --max-connections-per-listener take a positive number");
            return null;
        }

        return new ProxyOptions
        {
            Connections = ProxyOptions.DefaultConnections(parse.GetValue(MaxConnections), parse.GetValue(MaxConnectionsPerListener)),
            AdminPort = parse.GetValue(AdminPort),
            StatusAddress = statusAddress,
            OutboundAddress = outbound,
            GatewayAddress = gateway,
            PortMap = ports,
            TracingEndpoint = tracing,
        };
    }

    /// <summary>
    /// Runs a proxy until Ctrl-C or SIGTERM: starts it, prints where its admin listener is, hands it to the config source
    /// (the control plane's client, or static mode's compiler) and stops both on the way out.
    /// </summary>
    public static async Task<int> RunAsync(ProxyOptions options, WorkloadIdentity identity, Func<ProxyHost, IAsyncDisposable> source, CancellationToken cancel)
    {
        await using var host = await ProxyHost.StartAsync(options).ConfigureAwait(false);
        host.Status += Print;
        Console.WriteLine($"causeway proxy ({identity.Role.ToString().ToLowerInvariant()} {identity.Name}.{identity.Namespace}); admin on http://127.0.0.1:{host.AdminPort}");
        await using var running = source(host);
        try
        {
            await Task.Delay(Timeout.Infinite, cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("stopping");
        }

        return 0;
    }

    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Socket continuations run on the epoll thread that saw the event instead of hopping to the thread pool:
    /// measured with bench/proxy-1k.sh on one core, 2.3 -> 1.0 context switches per request and about 10% less CPU per
    /// request. Proxy code never blocks, which is what this needs. The runtime reads it when the first socket is made,
    /// so this must run before then; the user's own setting wins.
    /// </summary>
    public static void UseInlineSocketCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }
    }

    /// <summary>The control plane's client for this proxy, with its token from --token-file when given.</summary>
    public IAsyncDisposable Connect(ParseResult parse, ProxyHost host, IReadOnlyList<Uri> controlPlane, WorkloadIdentity identity)
    {
        var file = parse.GetValue(TokenFile);
        return new ControlPlaneClient(controlPlane, identity, host, Print, file is null ? null : () => ReadToken(file));
    }

    /// <summary>The token in the file; null (said once per attempt) when it cannot be read, so the proxy still gets its config.</summary>
    private static string? ReadToken(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Print($"--token-file {file}: {ex.Message}; connecting without a token");
            return null;
        }
    }

    /// <summary>A timestamped status line, as every long-running command prints them.</summary>
    public static void Print(string message) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    private static Dictionary<string, string> ParseLabels(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);

    private static bool TryParsePortMap(IEnumerable<string> entries, out Dictionary<uint, int> map)
    {
        map = [];
        foreach (var entry in entries.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            var parts = entry.Split('=', 2);
            if (parts.Length != 2 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from) ||
                !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var to) || to is < 0 or > 65535)
            {
                return false;
            }

            map[from] = to;
        }

        return true;
    }
}
