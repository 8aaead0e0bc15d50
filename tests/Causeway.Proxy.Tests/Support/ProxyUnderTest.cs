using System.Net;
using Causeway.Api.Diagnostics;
using Causeway.Api.Validation;
using Causeway.Translation.Mesh;
using Causeway.Translation;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Tests.Support;

/// <summary>
/// The real proxy on real sockets, configured from YAML. Config ports are mapped to free local ports (the proxy's
/// --port-map), so tests never collide; <see cref="Url"/> gives the local address of a config port.
/// </summary>
internal sealed class ProxyUnderTest : IAsyncDisposable
{
    private readonly Dictionary<uint, int> ports;

    private ProxyUnderTest(ProxyHost host, Dictionary<uint, int> ports, ProxySnapshot snapshot)
    {
        Host = host;
        this.ports = ports;
        Snapshot = snapshot;
    }

    public ProxyHost Host { get; }

    public ProxySnapshot Snapshot { get; private set; }

    public static Task<ProxyUnderTest> SidecarAsync(string yaml, string workload, string ns, params uint[] configPorts) =>
        StartAsync(yaml, mesh => ProxyRequestFor(mesh, workload, ns), configPorts);

    /// <summary>A sidecar translated with mesh-wide settings (what --mesh-config gives).</summary>
    public static Task<ProxyUnderTest> SidecarAsync(string yaml, MeshSettings settings, string workload, string ns, params uint[] configPorts) =>
        StartAsync(yaml, mesh => ProxyRequestFor(mesh, workload, ns), configPorts, settings);

    public static Task<ProxyUnderTest> GatewayAsync(string yaml, IReadOnlyDictionary<string, string> labels, params uint[] configPorts) =>
        StartAsync(yaml, _ => ProxyRequest.Gateway("ingress", "istio-system", labels), configPorts);

    /// <summary>A gateway translated with mesh-wide settings (what --mesh-config gives).</summary>
    public static Task<ProxyUnderTest> GatewayAsync(string yaml, MeshSettings settings, IReadOnlyDictionary<string, string> labels, params uint[] configPorts) =>
        StartAsync(yaml, _ => ProxyRequest.Gateway("ingress", "istio-system", labels), configPorts, settings);

    /// <summary>A gateway that exports spans to an OTLP/HTTP collector.</summary>
    public static Task<ProxyUnderTest> GatewayAsync(string yaml, IReadOnlyDictionary<string, string> labels, Uri tracingEndpoint, params uint[] configPorts) =>
        StartAsync(yaml, _ => ProxyRequest.Gateway("ingress", "istio-system", labels), configPorts, tracingEndpoint: tracingEndpoint);

    public int Port(uint configPort) => ports[configPort];

    public string Url(uint configPort, string path = "/") => $"http://127.0.0.1:{ports[configPort]}{path}";

    public string Admin(string path) => $"http://127.0.0.1:{Host.AdminPort}{path}";

    /// <summary>Applies a new configuration to the running proxy; returns the rejection reason, if any.</summary>
    public async Task<string?> ReconfigureAsync(string yaml, string workload, string ns)
    {
        var mesh = Load(yaml);
        var snapshot = ProxySnapshotBuilder.Build(mesh, ProxyRequestFor(mesh, workload, ns));
        var error = await Host.ApplyAsync(snapshot);
        if (error is null)
        {
            Snapshot = snapshot;
        }

        return error;
    }

    /// <summary>Applies a new configuration to a running gateway; returns the rejection reason, if any.</summary>
    public async Task<string?> ReconfigureGatewayAsync(string yaml, IReadOnlyDictionary<string, string> labels)
    {
        var snapshot = ProxySnapshotBuilder.Build(Load(yaml), ProxyRequest.Gateway("ingress", "istio-system", labels));
        var error = await Host.ApplyAsync(snapshot);
        if (error is null)
        {
            Snapshot = snapshot;
        }

        return error;
    }

    /// <summary>A sidecar that exports spans to an OTLP/HTTP collector.</summary>
    public static Task<ProxyUnderTest> SidecarAsync(string yaml, Uri tracingEndpoint, string workload, string ns, params uint[] configPorts) =>
        StartAsync(yaml, mesh => ProxyRequestFor(mesh, workload, ns), configPorts, tracingEndpoint: tracingEndpoint);

    /// <summary>A sidecar with its own downstream connection limits.</summary>
    public static Task<ProxyUnderTest> SidecarAsync(string yaml, Causeway.Proxy.Listeners.ConnectionLimits connections, string workload, string ns, params uint[] configPorts) =>
        StartAsync(yaml, mesh => ProxyRequestFor(mesh, workload, ns), configPorts, connections: connections);

    private static async Task<ProxyUnderTest> StartAsync(string yaml, Func<MeshState, ProxyRequest> request, uint[] configPorts, MeshSettings? settings = null, Uri? tracingEndpoint = null, Causeway.Proxy.Listeners.ConnectionLimits? connections = null)
    {
        var ports = configPorts.ToDictionary(p => p, _ => FreePort.Next());
        var host = await ProxyHost.StartAsync(new ProxyOptions
        {
            AdminPort = 0,
            PortMap = ports,
            GatewayAddress = IPAddress.Loopback,
            TracingEndpoint = tracingEndpoint,
            Connections = connections ?? ProxyOptions.DefaultConnections(),
        });
        var mesh = settings is null ? Load(yaml) : new MeshState(Load(yaml).Resources, settings: settings);
        var snapshot = ProxySnapshotBuilder.Build(mesh, request(mesh));
        var error = await host.ApplyAsync(snapshot);
        Assert.Null(error);
        return new ProxyUnderTest(host, ports, snapshot);
    }

    private static ProxyRequest ProxyRequestFor(MeshState mesh, string workload, string ns)
    {
        var w = mesh.Registry.Workloads.First(x => x.Name == workload && x.Namespace == ns);
        return new ProxyRequest(ProxyRole.Sidecar, w.Name, w.Namespace, w.Labels, w.Address, w.ServiceAccount, w.Locality);
    }

    private static MeshState Load(string yaml)
    {
        var result = ResourceValidation.LoadAndValidateText(yaml, "test.yaml");
        var errors = result.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return new MeshState(result.Valid);
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}
