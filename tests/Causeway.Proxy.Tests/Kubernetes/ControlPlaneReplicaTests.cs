using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Causeway.ControlPlane;
using Causeway.ControlPlane.Security;
using Causeway.Kubernetes;
using Causeway.Protocol;
using Causeway.Proxy.Config;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>
/// Two stateless control plane replicas on the same Kubernetes API (istiod's model: no leader is needed to push;
/// they share the CA and the token key): sidecars given both spread over them; stopping one moves its sidecars to
/// the other while requests through them keep succeeding (a proxy serves its last snapshot while it reconnects),
/// and a change made afterwards reaches every sidecar through the survivor.
/// </summary>
public sealed class ControlPlaneReplicaTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int Sidecars = 4;
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero });
    private readonly int port = FreePort.Next();
    private readonly MeshCertificateAuthority ca = MeshCertificateAuthority.SelfSigned();
    private readonly PushTokenAuthority tokens = PushTokenAuthority.Ephemeral();
    private readonly List<string> log = [];
    private FakeApiServer api = null!;
    private Backend reviews = null!;
    private string kubeconfig = "";

    public async Task InitializeAsync()
    {
        api = await FakeApiServer.StartAsync();
        api.ServeIstioKinds();
        reviews = await Backend.StartAsync("reviews", address: IPAddress.Parse("127.0.88.21"));
        kubeconfig = Path.GetTempFileName();
        await File.WriteAllTextAsync(kubeconfig, ApiObjects.Kubeconfig(api.Address));
        api.Put($$$"""
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "reviews", "namespace": "default"},
             "spec": {"clusterIP": "10.96.0.42", "selector": {"app": "reviews"}, "ports": [{"name": "http", "port": {{{port}}}, "targetPort": {{{reviews.Http1Port}}}}]}}
            """);
        api.Put(ApiObjects.Pod("reviews-v1", "127.0.88.21", "reviews", ready: true, version: "v1"));
        for (var i = 0; i < Sidecars; i++)
        {
            var pod = JsonNode.Parse(ApiObjects.Pod($"sleep-{i}", $"127.0.88.{30 + i}", "sleep", ready: true))!.AsObject();
            pod["metadata"]!["labels"]!["instance"] = $"sleep-{i}";
            api.Put(pod.ToJsonString());
            api.Put($$$"""
                {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "metadata": {"name": "sleep-{{{i}}}", "namespace": "default"},
                 "spec": {"workloadSelector": {"labels": {"instance": "sleep-{{{i}}}"}},
                          "egress": [{"port": {"number": {{{port}}}, "protocol": "HTTP", "name": "http"}, "bind": "127.0.88.{{{10 + i}}}", "captureMode": "NONE", "hosts": ["./*"]}]}}
                """);
        }
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await reviews.DisposeAsync();
        await api.DisposeAsync();
        ca.Dispose();
        File.Delete(kubeconfig);
    }

    [Fact]
    public async Task Sidecars_spread_over_two_replicas_and_move_to_the_survivor_without_failed_requests()
    {
        var replicas = new[] { await ReplicaAsync(), await ReplicaAsync() };
        var addresses = replicas.Select(r => new Uri($"http://127.0.0.1:{r.Host.PushPort}")).ToArray();
        var proxies = new List<(ProxyHost Host, ControlPlaneClient Client)>();
        try
        {
            for (var i = 0; i < Sidecars; i++)
            {
                var host = await ProxyHost.StartAsync(new ProxyOptions { AdminPort = 0, OutboundAddress = IPAddress.None });
                var identity = WorkloadIdentity.Sidecar($"sleep-{i}.default");
                var token = tokens.Mint(new PushCredential(Protocol.V1.ProxyRole.Sidecar, "default", $"sleep-{i}"), TimeSpan.FromHours(1));
                proxies.Add((host, new ControlPlaneClient(addresses, identity, host, Record, () => token)));
            }

            await Eventually.Until(() => proxies.All(p => p.Host.State.Current is not null && p.Host.Certificates.Current is not null), Log);
            Assert.All(replicas, r => Assert.NotEmpty(r.Host.Proxies)); // spread over both
            for (var i = 0; i < Sidecars; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await SendAsync(i));
            }

            // The first replica goes away while requests go through every sidecar
            var moved = proxies.Count(p => p.Client.ControlPlane == addresses[0]);
            using var traffic = new CancellationTokenSource();
            var sent = 0;
            var failures = new List<string>();
            var load = Task.Run(async () =>
            {
                while (!traffic.IsCancellationRequested)
                {
                    for (var i = 0; i < Sidecars; i++)
                    {
                        var status = await SendAsync(i);
                        Interlocked.Increment(ref sent);
                        if (status != HttpStatusCode.OK)
                        {
                            lock (failures)
                            {
                                failures.Add($"sleep-{i}: {(int)status}");
                            }
                        }
                    }
                }
            });
            await Task.Delay(200);
            var clock = Stopwatch.StartNew();
            await replicas[0].DisposeAsync();
            await Eventually.Until(() => replicas[1].Host.Proxies.Count == Sidecars && proxies.All(p => p.Client.Connected), Log);
            var reconnected = clock.ElapsedMilliseconds;
            await Task.Delay(300);
            await traffic.CancelAsync();
            await load;
            Assert.True(failures.Count == 0, string.Join(", ", failures));
            Assert.True(sent > Sidecars * 5, $"only {sent} requests were sent");
            output.WriteLine($"{moved} sidecars moved to the surviving replica in {reconnected} ms; {sent} requests meanwhile, none failed");

            // A change after the failover reaches every sidecar through the survivor
            api.Put("""
                {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "reviews", "namespace": "default"},
                 "spec": {"hosts": ["reviews"], "http": [{"fault": {"abort": {"httpStatus": 418, "percentage": {"value": 100}}}, "route": [{"destination": {"host": "reviews"}}]}]}}
                """);
            for (var i = 0; i < Sidecars; i++)
            {
                var sidecar = i;
                await Eventually.Until(async () => await SendAsync(sidecar) == (HttpStatusCode)418, Log);
            }
        }
        finally
        {
            foreach (var (host, client) in proxies)
            {
                await client.DisposeAsync();
                await host.DisposeAsync();
            }

            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    private async Task<Replica> ReplicaAsync()
    {
        KubernetesConfigSource? source = null;
        var host = await ControlPlaneHost.StartAsync(new ControlPlaneOptions
        {
            PushAddress = new IPEndPoint(IPAddress.Loopback, 0),
            StatusAddress = new IPEndPoint(IPAddress.Loopback, 0),
            CertificateAuthority = ca,
            Tokens = tokens,
            RequireToken = true,
            Source = async settings => source = await KubernetesConfigSource.StartAsync(KubernetesConnection.Create(kubeconfig), settings,
                TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300), Record),
        });
        host.Status += s => Record($"control plane {host.PushPort}: {s}");
        return new Replica(host);
    }

    private async Task<HttpStatusCode> SendAsync(int sidecar)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.88.{10 + sidecar}:{port}/reviews/0");
        request.Headers.Host = "reviews.default.svc.cluster.local";
        try
        {
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private void Record(string line)
    {
        lock (log)
        {
            log.Add(line);
        }
    }

    private string Log()
    {
        lock (log)
        {
            return string.Join("\n", log);
        }
    }

    private sealed class Replica(ControlPlaneHost host) : IAsyncDisposable
    {
        private int disposed;

        public ControlPlaneHost Host { get; } = host;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                await Host.DisposeAsync();
            }
        }
    }
}
