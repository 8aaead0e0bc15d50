using System.Net;
using Causeway.ControlPlane;
using Causeway.ControlPlane.Config;
using Causeway.ControlPlane.Security;
using Causeway.Protocol;
using Causeway.Protocol.V1;
using Causeway.Proxy.Config;
using Causeway.Translation.Mesh;

namespace Causeway.Proxy.Tests.Support;

/// <summary>
/// A real control plane reading a temporary YAML directory, and the real proxies it pushes to, each connected with a
/// token for its own identity (so each gets its workload certificate), all writing to one log that failures print.
/// </summary>
public sealed class PushedMesh : IAsyncDisposable
{
    private readonly List<string> log = [];
    private readonly List<PushedProxy> proxies = [];

    private PushedMesh(DirectoryInfo directory, ControlPlaneHost controlPlane)
    {
        Directory = directory;
        ControlPlane = controlPlane;
    }

    public DirectoryInfo Directory { get; }

    public ControlPlaneHost ControlPlane { get; }

    /// <summary>Writes the files, then starts the control plane on them (short debounce, loopback ports).</summary>
    public static async Task<PushedMesh> StartAsync(
        IReadOnlyDictionary<string, string> files, MeshCertificateAuthority? ca = null, bool requireToken = false, Func<MeshSettings, Task<IConfigSource>>? source = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("causeway-mesh-");
        foreach (var (name, yaml) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, name), yaml);
        }

        var controlPlane = await ControlPlaneHost.StartAsync(new ControlPlaneOptions
        {
            ConfigDirectory = directory.FullName,
            PushAddress = new IPEndPoint(IPAddress.Loopback, 0),
            StatusAddress = new IPEndPoint(IPAddress.Loopback, 0),
            DebounceQuiet = TimeSpan.FromMilliseconds(50),
            DebounceMax = TimeSpan.FromMilliseconds(300),
            CertificateAuthority = ca,
            RequireToken = requireToken,
            Source = source,
        });
        return new PushedMesh(directory, controlPlane);
    }

    /// <summary>
    /// A sidecar for the WorkloadEntry NAME in NS, with a token for it (or the given one; null connects without),
    /// and no outbound capture address: the Sidecar resources bind its listeners.
    /// </summary>
    public Task<PushedProxy> SidecarAsync(string name, string ns, string? token = "") =>
        StartAsync(
            new ProxyOptions { AdminPort = 0, OutboundAddress = IPAddress.None },
            WorkloadIdentity.Sidecar($"{name}.{ns}"),
            token == "" ? ControlPlane.Tokens.Mint(new PushCredential(ProxyRole.Sidecar, ns, name), TimeSpan.FromHours(1)) : token,
            name);

    /// <summary>A gateway proxy NAME.NS with the given labels, listening on loopback with the port map.</summary>
    public Task<PushedProxy> GatewayAsync(string name, string ns, IReadOnlyDictionary<string, string> labels, Dictionary<uint, int> ports, string? token = "") =>
        StartAsync(
            new ProxyOptions { AdminPort = 0, GatewayAddress = IPAddress.Loopback, PortMap = ports },
            WorkloadIdentity.Gateway(labels, name, ns),
            token == "" ? ControlPlane.Tokens.Mint(new PushCredential(ProxyRole.Gateway, ns, null), TimeSpan.FromHours(1)) : token,
            name);

    /// <summary>Writes (or rewrites) a config file with a fresh modification time, so the watcher sees it change.</summary>
    public void Write(string name, string yaml)
    {
        var path = Path.Combine(Directory.FullName, name);
        File.WriteAllText(path, yaml);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(Random.Shared.Next(1, 1000)));
    }

    public void Delete(string name) => File.Delete(Path.Combine(Directory.FullName, name));

    public void Record(string line)
    {
        lock (log)
        {
            log.Add(line);
        }
    }

    public void ClearLog()
    {
        lock (log)
        {
            log.Clear();
        }
    }

    public bool Logged(string text)
    {
        lock (log)
        {
            return log.Any(l => l.Contains(text, StringComparison.Ordinal));
        }
    }

    public string Log()
    {
        lock (log)
        {
            return "log:\n" + string.Join("\n", log);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in proxies)
        {
            await proxy.DisposeAsync();
        }

        await ControlPlane.DisposeAsync();
        Directory.Delete(true);
    }

    private async Task<PushedProxy> StartAsync(ProxyOptions options, WorkloadIdentity identity, string? token, string name)
    {
        var host = await ProxyHost.StartAsync(options);
        void Record(string s) => this.Record($"{name}: {s}");
        host.Status += Record;
        var client = new ControlPlaneClient(new Uri($"http://127.0.0.1:{ControlPlane.PushPort}"), identity, host, Record, () => token);
        var proxy = new PushedProxy(host, client, options.PortMap);
        proxies.Add(proxy);
        return proxy;
    }
}

/// <summary>One proxy of a <see cref="PushedMesh"/>; disposing it early (to stop it) is safe, the mesh disposes it again harmlessly.</summary>
public sealed class PushedProxy(ProxyHost host, ControlPlaneClient client, IReadOnlyDictionary<uint, int>? ports) : IAsyncDisposable
{
    private int disposed;

    public ProxyHost Host { get; } = host;

    public ControlPlaneClient Client { get; } = client;

    /// <summary>Where a gateway's declared port listens on loopback.</summary>
    public int Port(uint declared) => ports![declared];

    /// <summary>Configured and holding its workload certificate.</summary>
    public bool Ready => Host.State.Current is not null && Host.Certificates.Current is not null;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            await Client.DisposeAsync();
            await Host.DisposeAsync();
        }
    }
}
