using System.CommandLine;
using System.Net;
using System.Text.Json;
using Causeway.Api.Model.Common;
using Causeway.ControlPlane;
using Causeway.ControlPlane.Security;
using Causeway.Kubernetes;
using Causeway.Translation.Mesh;

namespace Causeway.Cli.Commands;

/// <summary><c>causeway control-plane</c> (istiod's role) and <c>causeway status</c> (what it knows about its proxies).</summary>
internal static class ControlPlaneCommands
{
    public static Command ControlPlane()
    {
        var config = new Option<string?>("--config") { Description = "Directory of Istio YAML, watched for changes." };
        var kubernetes = new Option<bool>("--kubernetes") { Description = "Read the mesh from the Kubernetes API instead of a directory: Services, EndpointSlices, Pods and every Istio kind, listed and watched (in a pod: its service account; elsewhere --kubeconfig, KUBECONFIG or ~/.kube/config)." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "The kubeconfig file for --kubernetes (its current context)." };
        var webhook = new Option<string?>("--webhook-address") { Description = "With --kubernetes: serve the admission webhooks (POST /validate for Istio kinds, POST /inject for pods) over HTTPS here, as IP:PORT (istiod uses 15017), with a certificate from the mesh CA for --webhook-names." };
        var webhookNames = new Option<string>("--webhook-names") { Description = "The DNS names the API server calls the webhooks by, comma-separated.", DefaultValueFactory = _ => "causeway.causeway-system.svc,causeway.causeway-system.svc.cluster.local" };
        var injectImage = new Option<string>("--inject-image") { Description = "The image injected sidecars run.", DefaultValueFactory = _ => new InjectionSettings().Image };
        var injectControlPlane = new Option<string>("--inject-control-plane") { Description = "The push address injected sidecars connect to (this control plane's Service).", DefaultValueFactory = _ => new InjectionSettings().ControlPlane };
        var push = new Option<string>("--push-address") { Description = "Where proxies connect (gRPC over cleartext HTTP/2), as IP:PORT.", DefaultValueFactory = _ => "127.0.0.1:15010" };
        var status = new Option<string>("--status-address") { Description = "The status endpoint (/status as JSON, /ready), as IP:PORT.", DefaultValueFactory = _ => "127.0.0.1:15014" };
        var quiet = new Option<string>("--debounce") { Description = "Push a change once the config has been quiet this long (Go duration).", DefaultValueFactory = _ => "100ms" };
        var max = new Option<string>("--debounce-max") { Description = "Push at the latest this long after the first change while changes keep coming.", DefaultValueFactory = _ => "1s" };
        var meshConfig = new Option<string?>("--mesh-config") { Description = "Istio mesh config file; defaultHttpRetryPolicy, accessLogFile, accessLogEncoding, defaultConfig.tracing.sampling, defaultProviders.tracing and opentelemetry extensionProviders are read from it." };
        var tokenKey = new Option<string?>("--token-key") { Description = "File with the key that signs and checks proxies' tokens (made with a fresh random key if it does not exist; causeway token makes tokens with it). Without it, proxies started elsewhere cannot authenticate and get no Secrets." };
        var requireToken = new Option<bool>("--require-token") { Description = "Refuse proxies without a valid token, instead of serving them config without Secrets." };
        var caDir = new Option<string?>("--ca-dir") { Description = "The mesh CA in Istio's cacerts layout (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem); without it a self-signed root is made at start." };
        var trustDomain = new Option<string>("--trust-domain") { Description = "The SPIFFE trust domain of workload identities.", DefaultValueFactory = _ => "cluster.local" };
        var certTtl = new Option<string>("--workload-cert-ttl") { Description = "How long workload certificates are valid (Go duration); proxies renew them at half of it.", DefaultValueFactory = _ => "24h" };
        var command = new Command("control-plane", "Run the control plane: watch a directory of Istio YAML (or the Kubernetes API) and push each proxy its configuration.")
        {
            config, kubernetes, kubeconfig, webhook, webhookNames, injectImage, injectControlPlane, push, status, quiet, max, meshConfig, tokenKey, requireToken, caDir, trustDomain, certTtl,
        };
        command.SetAction(async (parse, cancel) =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(push)!, out var pushAddress) || !IPEndPoint.TryParse(parse.GetValue(status)!, out var statusAddress))
            {
                await Console.Error.WriteLineAsync("--push-address and --status-address are IP:PORT, for example 127.0.0.1:15010").ConfigureAwait(false);
                return 2;
            }

            if (!ProtoDuration.TryParse(parse.GetValue(quiet)!, out var quietPeriod, out var error) || !ProtoDuration.TryParse(parse.GetValue(max)!, out var maxDelay, out error))
            {
                await Console.Error.WriteLineAsync($"--debounce/--debounce-max: {error}").ConfigureAwait(false);
                return 2;
            }

            var directory = parse.GetValue(config);
            var fromKubernetes = parse.GetValue(kubernetes);
            if ((directory is null) == !fromKubernetes)
            {
                await Console.Error.WriteLineAsync("give one config source: --config DIRECTORY or --kubernetes").ConfigureAwait(false);
                return 2;
            }

            if (directory is not null && !Directory.Exists(directory))
            {
                await Console.Error.WriteLineAsync($"--config {directory}: no such directory").ConfigureAwait(false);
                return 2;
            }

            KubernetesConnection? cluster = null;
            if (fromKubernetes)
            {
                try
                {
                    cluster = KubernetesConnection.Create(parse.GetValue(kubeconfig));
                }
                catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"--kubernetes: no usable API server configuration: {ex.Message}").ConfigureAwait(false);
                    return 2;
                }

                Console.WriteLine($"causeway control-plane: listing the mesh from {cluster.Server} ...");
            }

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

            PushTokenAuthority? tokens = null;
            if (parse.GetValue(tokenKey) is { } keyFile)
            {
                try
                {
                    tokens = PushTokenAuthority.FromKeyFile(keyFile, createIfMissing: true);
                }
                catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"--token-key {keyFile}: {ex.Message}").ConfigureAwait(false);
                    return 2;
                }
            }

            if (!ProtoDuration.TryParse(parse.GetValue(certTtl)!, out var ttl, out var ttlError) || ttl.Value < TimeSpan.FromSeconds(2))
            {
                await Console.Error.WriteLineAsync($"--workload-cert-ttl: {ttlError ?? "at least 2s"}").ConfigureAwait(false);
                return 2;
            }

            MeshCertificateAuthority ca;
            try
            {
                ca = parse.GetValue(caDir) is { } cacerts
                    ? MeshCertificateAuthority.FromCacerts(cacerts, parse.GetValue(trustDomain)!, ttl.Value)
                    : MeshCertificateAuthority.SelfSigned(parse.GetValue(trustDomain)!, ttl.Value);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"--ca-dir: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            IPEndPoint? webhookAddress = null;
            if (parse.GetValue(webhook) is { } webhookText && (!fromKubernetes || !IPEndPoint.TryParse(webhookText, out webhookAddress)))
            {
                await Console.Error.WriteLineAsync("--webhook-address is IP:PORT, with --kubernetes").ConfigureAwait(false);
                return 2;
            }

            KubernetesConfigSource? kubernetesSource = null;
            ControlPlaneHost host;
            try
            {
                host = await ControlPlaneHost.StartAsync(new ControlPlaneOptions
                {
                    ConfigDirectory = directory,
                    Source = cluster is null ? null : async meshSettings => kubernetesSource = await KubernetesConfigSource.StartAsync(
                        cluster, meshSettings, quietPeriod.Value, maxDelay.Value, Lifetime.Print).ConfigureAwait(false),
                    ExternalTokens = cluster is null ? null : new ServiceAccountTokens(cluster).ReviewAsync,
                    PushAddress = pushAddress,
                    StatusAddress = statusAddress,
                    DebounceQuiet = quietPeriod.Value,
                    DebounceMax = maxDelay.Value,
                    Settings = settings,
                    Tokens = tokens,
                    RequireToken = parse.GetValue(requireToken),
                    CertificateAuthority = ca,
                }).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"cannot listen on {pushAddress} or {statusAddress}: {ex.Message} (is another control plane running? choose ports with --push-address and --status-address)").ConfigureAwait(false);
                return 1;
            }

            await using var running = host;
            host.Status += Lifetime.Print;
            WebhookServer? webhooks = null;
            if (webhookAddress is not null && kubernetesSource is not null)
            {
                var names = parse.GetValue(webhookNames)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var injection = new InjectionSettings { Image = parse.GetValue(injectImage)!, ControlPlane = parse.GetValue(injectControlPlane)! };
                var objects = kubernetesSource.Objects;
                webhooks = await WebhookServer.StartAsync(webhookAddress, ca.IssueServing(names, webhookAddress.Address.Equals(IPAddress.Any) || webhookAddress.Address.Equals(IPAddress.IPv6Any) ? [] : [webhookAddress.Address]), injection,
                    ns => objects.NamespaceLabels(ns), Lifetime.Print).ConfigureAwait(false);
                Console.WriteLine($"causeway control-plane: admission webhooks at https://{webhookAddress.Address}:{webhooks.Port}/validate and /inject, certificate for {string.Join(", ", names)} from the mesh CA");
            }

            await using var runningWebhooks = webhooks;
            await using var statusWriter = kubernetesSource is null ? null : new ResourceStatusWriter(cluster!, kubernetesSource, Lifetime.Print);
            Console.WriteLine($"causeway control-plane: {host.Config.Mesh.Resources.Count} resources from {directory ?? cluster!.Server.ToString()} ({host.Config.Rejected.Count} rejected); " +
                              $"proxies connect to http://{pushAddress.Address}:{host.PushPort}, status at http://{statusAddress.Address}:{host.StatusPort}/status, " +
                              $"dashboard at http://{statusAddress.Address}:{host.StatusPort}/dashboard");
            await Lifetime.WaitForStopAsync(cancel).ConfigureAwait(false);

            return 0;
        });
        return command;
    }

    /// <summary><c>causeway dashboard</c>: where the running control plane's mesh view is, checked, and opened in a browser on request.</summary>
    public static Command Dashboard()
    {
        var address = new Option<string>("--control-plane") { Description = "The control plane's status address.", DefaultValueFactory = _ => "http://127.0.0.1:15014" };
        var open = new Option<bool>("--open") { Description = "Open the page with xdg-open." };
        var command = new Command("dashboard", "Show where the mesh view (live service graph, config problems) of a running control plane is, and check it answers.")
        {
            address, open,
        };
        command.SetAction(async (parse, cancel) =>
        {
            Uri url;
            string json;
            try
            {
                url = new Uri(new Uri(parse.GetValue(address)!), "/dashboard");
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                json = await http.GetStringAsync(new Uri(url, "/api/graph"), cancel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
            {
                await Console.Error.WriteLineAsync($"cannot reach the control plane at {parse.GetValue(address)}: {ex.Message} (start one with causeway demo, causeway up or causeway control-plane)").ConfigureAwait(false);
                return 1;
            }

            var root = JsonDocument.Parse(json).RootElement;
            var problems = root.GetProperty("meshProblems").GetArrayLength() + root.GetProperty("nodes").EnumerateArray().Sum(n => n.GetProperty("problems").GetArrayLength());
            Console.WriteLine($"dashboard: {url}");
            Console.WriteLine($"  config generation {root.GetProperty("generation").GetInt64()}, {root.GetProperty("nodes").GetArrayLength()} nodes, {problems} problems");
            if (parse.GetValue(open))
            {
                try
                {
                    using var browser = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("xdg-open", url.ToString()) { UseShellExecute = false });
                }
                catch (System.ComponentModel.Win32Exception ex)
                {
                    await Console.Error.WriteLineAsync($"cannot open a browser ({ex.Message}); open the address above").ConfigureAwait(false);
                }
            }

            return 0;
        });
        return command;
    }

    public static Command Status()
    {
        var address = new Option<string>("--control-plane") { Description = "The control plane's status address.", DefaultValueFactory = _ => "http://127.0.0.1:15014" };
        var output = new Option<string>("-o", "--output") { Description = "table or json.", DefaultValueFactory = _ => "table" };
        var command = new Command("status", "Show which proxies are connected, which config version each runs, and which resources were rejected.")
        {
            address, output,
        };
        command.SetAction(async (parse, cancel) =>
        {
            string json;
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                json = await http.GetStringAsync(new Uri(new Uri(parse.GetValue(address)!), "/status"), cancel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
            {
                await Console.Error.WriteLineAsync($"cannot reach the control plane at {parse.GetValue(address)}: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            if (parse.GetValue(output) == "json")
            {
                Console.Write(json);
                return 0;
            }

            var root = JsonDocument.Parse(json).RootElement;
            Console.WriteLine($"config generation {root.GetProperty("generation").GetInt64()}: {root.GetProperty("resources").GetInt32()} resources from {root.GetProperty("configDirectory").GetString()}");
            var proxies = root.GetProperty("proxies").EnumerateArray().ToList();
            Console.WriteLine();
            Console.WriteLine($"{"PROXY",-40} {"SENT",-18} {"ACKED",-18} {"STATE",-8} {"TOKEN",-6} DETAIL");
            foreach (var p in proxies)
            {
                var state = p.GetProperty("synced").GetBoolean() ? "SYNCED" : p.GetProperty("nack").GetString()!.Length > 0 ? "NACKED" : "STALE";
                var detail = p.GetProperty("nack").GetString() is { Length: > 0 } nack ? nack : p.GetProperty("error").GetString();
                var token = p.TryGetProperty("token", out var t) && t.GetString() is { Length: > 0 } ? "yes" : "no";
                Console.WriteLine($"{p.GetProperty("proxy").GetString(),-40} {p.GetProperty("sentVersion").GetString(),-18} {p.GetProperty("ackedVersion").GetString(),-18} {state,-8} {token,-6} {detail}");
            }

            if (proxies.Count == 0)
            {
                Console.WriteLine("(no proxy connected)");
            }

            var rejected = root.GetProperty("rejected").EnumerateArray().ToList();
            if (rejected.Count > 0)
            {
                Console.WriteLine();
                Console.WriteLine($"{rejected.Count} rejected (the last valid version of each stays in force):");
                foreach (var r in rejected)
                {
                    Console.WriteLine($"  {r.GetProperty("file").GetString()}  {r.GetProperty("resource").GetString()}  {r.GetProperty("field").GetString()}: {r.GetProperty("message").GetString()}");
                }
            }

            return 0;
        });
        return command;
    }
}
