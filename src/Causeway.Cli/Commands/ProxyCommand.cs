using System.CommandLine;
using System.Globalization;
using System.Net;
using Causeway.ControlPlane.Config;
using Causeway.Protocol;
using Causeway.Proxy;
using Causeway.Proxy.Config;
using Causeway.Translation.Mesh;

namespace Causeway.Cli.Commands;

/// <summary><c>causeway proxy</c>: runs the data-plane proxy as a sidecar or a gateway.</summary>
internal static class ProxyCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config")
        {
            Description = "Directory of Istio YAML to run from (static mode, no control plane): compiled by the proxy itself and reloaded when files change; a change with errors is rejected and the last good configuration keeps serving. Give this or --control-plane.",
        };
        var controlPlane = new Option<string?>("--control-plane")
        {
            Description = "Control plane push address, e.g. http://127.0.0.1:15010: the proxy gets its snapshots from there, ACKs or NACKs each, keeps serving its last good one while the control plane is away, and reconnects with backoff.",
        };
        var role = new Option<string>("--role")
        {
            Description = "sidecar (outbound listeners per reachable service port, inbound listeners to the local app) or gateway (listeners per Gateway server port).",
            DefaultValueFactory = _ => "sidecar",
        };
        role.AcceptOnlyFromAmong("sidecar", "gateway");
        var workload = new Option<string?>("--workload")
        {
            Description = "Sidecar: the workload this proxy stands beside, as NAME.NAMESPACE of its WorkloadEntry (its labels select routes, Sidecar and DestinationRule scope).",
        };
        var gatewayLabels = new Option<string?>("--gateway-labels")
        {
            Description = "Gateway: the proxy's labels, as k=v[,k=v]; Gateways whose selector matches them are served (e.g. istio=ingressgateway).",
        };
        var gatewayNamespace = new Option<string>("--gateway-namespace")
        {
            Description = "Gateway: the namespace the gateway workload runs in; Secrets named by a Gateway server's tls.credentialName are read from it, as Istio does.",
            DefaultValueFactory = _ => "istio-system",
        };
        var adminPort = new Option<int>("--admin-port")
        {
            Description = "Admin listener port on 127.0.0.1 (/ready, /config_dump, /clusters, /stats); 0 picks a free one.",
            DefaultValueFactory = _ => 15000,
        };
        var outboundAddress = new Option<string>("--outbound-address")
        {
            Description = "Address outbound (sidecar) listeners bind to. Inbound listeners bind to the workload's address.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var gatewayAddress = new Option<string>("--gateway-address")
        {
            Description = "Address gateway listeners bind to.",
            DefaultValueFactory = _ => "0.0.0.0",
        };
        var portMap = new Option<string[]>("--port-map")
        {
            Description = "CONFIG_PORT=LOCAL_PORT, repeatable: bind a listener declared on one port to another locally. Istio's ingress maps Service port 80 to 8080 in its pod; on one machine a Gateway server on port 80 can be served on 18080 with --port-map 80=18080.",
            AllowMultipleArgumentsPerToken = true,
        };
        var tracing = new Option<string?>("--tracing-endpoint")
        {
            Description = "OTLP/HTTP collector for spans, e.g. http://127.0.0.1:4318 (spans are sent to /v1/traces). Which requests are traced comes from Telemetry resources.",
        };
        var meshConfig = new Option<string?>("--mesh-config")
        {
            Description = "Istio mesh config file (the `mesh` key of the istio ConfigMap); Causeway reads defaultHttpRetryPolicy (the retry policy of routes without `retries`), accessLogFile, accessLogEncoding, defaultConfig.tracing.sampling, defaultProviders.tracing and opentelemetry extensionProviders from it.",
        };
        var command = new Command("proxy", "Run the Causeway proxy (sidecar or gateway) from a directory of Istio YAML.")
        {
            config, controlPlane, role, workload, gatewayLabels, gatewayNamespace, meshConfig, tracing, adminPort, outboundAddress, gatewayAddress, portMap,
        };
        command.SetAction(async (parse, cancel) =>
        {
            if ((parse.GetValue(config) is null) == (parse.GetValue(controlPlane) is null))
            {
                await Console.Error.WriteLineAsync("give exactly one of --config DIR (static mode) or --control-plane URL").ConfigureAwait(false);
                return 2;
            }

            if (parse.GetValue(controlPlane) is { } cpUrl && !Uri.TryCreate(cpUrl, UriKind.Absolute, out _))
            {
                await Console.Error.WriteLineAsync($"--control-plane {cpUrl}: not an absolute URL (for example http://127.0.0.1:15010)").ConfigureAwait(false);
                return 2;
            }

            WorkloadIdentity identity;
            if (parse.GetValue(role) == "gateway")
            {
                var labels = ParseLabels(parse.GetValue(gatewayLabels));
                if (labels.Count == 0)
                {
                    await Console.Error.WriteLineAsync("--role gateway needs --gateway-labels (for example istio=ingressgateway)").ConfigureAwait(false);
                    return 2;
                }

                identity = WorkloadIdentity.Gateway(labels, ns: parse.GetValue(gatewayNamespace)!);
            }
            else
            {
                var name = parse.GetValue(workload);
                if (string.IsNullOrEmpty(name))
                {
                    await Console.Error.WriteLineAsync("--role sidecar needs --workload NAME.NAMESPACE").ConfigureAwait(false);
                    return 2;
                }

                identity = WorkloadIdentity.Sidecar(name);
            }

            var options = new ProxyOptions
            {
                AdminPort = parse.GetValue(adminPort),
                OutboundAddress = IPAddress.Parse(parse.GetValue(outboundAddress)!),
                GatewayAddress = IPAddress.Parse(parse.GetValue(gatewayAddress)!),
                PortMap = ParsePortMap(parse.GetValue(portMap) ?? []),
                TracingEndpoint = parse.GetValue(tracing) is { } endpoint ? new Uri(endpoint) : null,
            };
            await using var host = await ProxyHost.StartAsync(options).ConfigureAwait(false);
            host.Status += Lifetime.Print;
            Console.WriteLine($"causeway proxy ({identity.Role.ToString().ToLowerInvariant()} {identity.Name}.{identity.Namespace}); admin on http://127.0.0.1:{host.AdminPort}");
            MeshSettings? settings = null;
            if (parse.GetValue(meshConfig) is { } meshFile)
            {
                try
                {
                    settings = MeshSettings.Parse(await File.ReadAllTextAsync(meshFile, cancel).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"--mesh-config {meshFile}: {ex.Message}").ConfigureAwait(false);
                    return 2;
                }
            }

            await using IAsyncDisposable source = parse.GetValue(controlPlane) is { } url
                ? new ControlPlaneClient(new Uri(url), identity, host, Lifetime.Print)
                : new StaticConfigSource(parse.GetValue(config)!, identity, host.ApplyAsync, Lifetime.Print, settings: settings);
            await Lifetime.WaitForStopAsync(cancel).ConfigureAwait(false);

            return 0;
        });
        return command;
    }

    private static Dictionary<string, string> ParseLabels(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);

    private static Dictionary<uint, int> ParsePortMap(IEnumerable<string> entries) =>
        entries.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Select(e => e.Split('=', 2))
            .ToDictionary(p => uint.Parse(p[0], CultureInfo.InvariantCulture), p => int.Parse(p[1], CultureInfo.InvariantCulture));
}
