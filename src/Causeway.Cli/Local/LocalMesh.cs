using System.Net;
using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;
using Causeway.Api.Validation;
using Causeway.ControlPlane;
using Causeway.ControlPlane.Security;
using Causeway.Proxy;
using Causeway.Protocol;
using Causeway.Protocol.V1;
using Causeway.Proxy.Config;

namespace Causeway.Cli.Local;

/// <summary>
/// A whole mesh on this machine from a directory of Istio YAML (`causeway up DIR`): the control plane watching the
/// directory, an ingress gateway for each distinct Gateway selector, and a sidecar for every WorkloadEntry, each
/// proxy a client of the control plane like any other. Sidecars bind only listeners with an address of their own
/// (their WorkloadEntry address inbound, their Sidecar's egress bind outbound), so many share one machine.
/// </summary>
internal sealed class LocalMesh : IAsyncDisposable
{
    private readonly List<(string Name, ProxyHost Host, ControlPlaneClient Client)> proxies = [];

    private LocalMesh(ControlPlaneHost controlPlane) => ControlPlane = controlPlane;

    public ControlPlaneHost ControlPlane { get; }

    public IReadOnlyList<(string Name, ProxyHost Host, ControlPlaneClient Client)> Proxies => proxies;

    public static async Task<LocalMesh> StartAsync(string directory, IPEndPoint push, IPEndPoint status, Action<string> progress)
    {
        var check = ResourceValidation.LoadAndValidate([directory]);
        foreach (var error in check.Diagnostics.Where(d => d.Severity == Severity.Error))
        {
            progress("  rejected: " + error);
        }

        var controlPlane = await ControlPlaneHost.StartAsync(new ControlPlaneOptions { ConfigDirectory = directory, PushAddress = push, StatusAddress = status }).ConfigureAwait(false);
        var mesh = new LocalMesh(controlPlane);
        progress($"✓ control plane: {controlPlane.Config.Mesh.Resources.Count} resources from {directory}, proxies connect to 127.0.0.1:{controlPlane.PushPort}, status on http://127.0.0.1:{controlPlane.StatusPort}/status");
        try
        {
            var pushUri = new Uri($"http://{push.Address}:{controlPlane.PushPort}");
            var gateways = controlPlane.Config.Mesh.Gateways
                .Where(g => g.Resource.Spec.Selector is { Count: > 0 })
                .GroupBy(g => string.Join(",", g.Resource.Spec.Selector!.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")))
                .ToList();
            foreach (var group in gateways)
            {
                var first = group.First().Resource;
                var labels = new Dictionary<string, string>(first.Spec.Selector!);
                var name = labels.Values.FirstOrDefault() ?? "gateway";
                var ns = controlPlane.Config.Mesh.Names.NamespaceOf(first);
                await mesh.StartProxyAsync($"gateway {name}.{ns}", WorkloadIdentity.Gateway(labels, name, ns),
                    new ProxyOptions { AdminPort = 0, GatewayAddress = IPAddress.Loopback }, pushUri, progress, Ports(group.Select(g => g.Resource))).ConfigureAwait(false);
            }

            foreach (var workload in controlPlane.Config.Mesh.Registry.Workloads.OrderBy(w => w.Namespace, StringComparer.Ordinal).ThenBy(w => w.Name, StringComparer.Ordinal))
            {
                await mesh.StartProxyAsync($"sidecar {workload.Name}.{workload.Namespace}", WorkloadIdentity.Sidecar($"{workload.Name}.{workload.Namespace}"),
                    new ProxyOptions { AdminPort = 0, OutboundAddress = IPAddress.None }, pushUri, progress, $"at {workload.Address}").ConfigureAwait(false);
            }
        }
        catch
        {
            try
            {
                await mesh.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception cleanup)
            {
                // the reason the start failed is what the user needs; a failure while cleaning up must not replace it
                progress($"  while stopping after the failed start: {cleanup.GetType().Name}: {cleanup.Message}");
            }

            throw;
        }

        return mesh;
    }

    private static string Ports(IEnumerable<Gateway> gateways) =>
        "on " + string.Join(", ", gateways.SelectMany(g => g.Spec.Servers ?? []).Select(s => $"127.0.0.1:{s.Port?.Number}").Distinct());

    /// <summary>
    /// Starts one proxy and waits for its first snapshot. A listener that cannot bind (another mesh, or anything else,
    /// holds the address) stops the whole start: a mesh that reports ready with a sidecar missing sends traffic to
    /// whoever holds the address, and the user gets answers from a stranger.
    /// </summary>
    private async Task StartProxyAsync(string name, WorkloadIdentity identity, ProxyOptions options, Uri pushUri, Action<string> progress, string where)
    {
        var host = await ProxyHost.StartAsync(options).ConfigureAwait(false);
        var bindFailures = new List<string>();
        var starting = true;
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var certified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Certificates.Changed += _ => certified.TrySetResult();
        host.Status += s =>
        {
            if (s.Contains("could not bind", StringComparison.Ordinal))
            {
                lock (bindFailures)
                {
                    if (starting)
                    {
                        bindFailures.Add(s);
                        return;
                    }
                }

                progress($"  {name}: {s}"); // after a config change: the mesh runs on, the user must see it
            }
            else if (s.StartsWith("applied snapshot", StringComparison.Ordinal))
            {
                applied.TrySetResult();
            }

            if (s.StartsWith("notice", StringComparison.Ordinal) || s.Contains("rejected", StringComparison.Ordinal))
            {
                progress($"  {name}: {s}");
            }
        };
        // Each proxy of the local mesh gets a token from the control plane it belongs to, as a separately started
        // proxy gets one from causeway token: a gateway may then receive its namespace's Secrets.
        var token = ControlPlane.Tokens.Mint(new PushCredential(identity.Role, identity.Namespace, identity.Role == ProxyRole.Gateway ? null : identity.Name), TimeSpan.FromDays(365));
        var client = new ControlPlaneClient(pushUri, identity, host, s =>
        {
            if (s.StartsWith("control plane:", StringComparison.Ordinal))
            {
                progress($"  {name}: {s}");
            }
        }, () => token);
        proxies.Add((name, host, client));
        // ready once configured and holding its workload certificate (its mutual TLS needs it), as Istio's agent
        // reports ready only then
        await Task.WhenAny(Task.WhenAll(applied.Task, certified.Task), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        lock (bindFailures)
        {
            starting = false;
            if (bindFailures.Count > 0)
            {
                throw new IOException($"{name} {where}: {string.Join("; ", bindFailures)}");
            }
        }

        progress(host.State.Current is { } snapshot
            ? $"✓ {name} {where}: {snapshot.Listeners.Count} listeners, {host.Certificates.Current?.Identity ?? "no certificate yet"}, admin http://127.0.0.1:{host.AdminPort}"
            : $"✗ {name} {where}: no configuration yet (see `causeway status`)");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, host, client) in proxies)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            await host.DisposeAsync().ConfigureAwait(false);
        }

        await ControlPlane.DisposeAsync().ConfigureAwait(false);
    }
}
