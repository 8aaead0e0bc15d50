using System.Net;
using System.Threading.Channels;
using Causeway.Protocol;
using Causeway.Protocol.Grpc;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Config;

/// <summary>
/// The proxy's side of the push protocol: one gRPC stream to the control plane; each snapshot (or endpoints update)
/// is applied atomically and ACKed, or NACKed with the reason while the last good one keeps serving. When the
/// control plane is away the proxy keeps serving what it has and reconnects with jittered backoff (0.25 s doubling
/// to 10 s), saying which version it runs so nothing is resent needlessly. The proxy's token, when it has one, is
/// read afresh for each connection (a rotated token file is picked up) and sent as a bearer token. Given several
/// control plane replicas (stateless: any of them serves any proxy), it starts with one picked by its name's hash, so
/// proxies spread over them, and moves to the next whenever its stream ends or cannot open.
/// </summary>
public sealed class ControlPlaneClient : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private readonly IReadOnlyList<Uri> addresses;
    private int current;
    private readonly WorkloadIdentity identity;
    private readonly ProxyHost host;
    private readonly Action<string> report;
    private readonly Func<string?> token;
    private readonly HttpMessageInvoker invoker;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public ControlPlaneClient(Uri address, WorkloadIdentity identity, ProxyHost host, Action<string> report, Func<string?>? token = null)
        : this([address], identity, host, report, token)
    {
    }

    public ControlPlaneClient(IReadOnlyList<Uri> addresses, WorkloadIdentity identity, ProxyHost host, Action<string> report, Func<string?>? token = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(addresses.Count);
        this.token = token ?? (() => null);
        this.addresses = addresses;
        current = (int)(Balancing.HashKey.Of($"{identity.Name}.{identity.Namespace}") % (ulong)addresses.Count); // spread, and the same replica on restart
        this.identity = identity;
        this.host = host;
        this.report = report;
        invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        });
        loop = RunAsync();
    }

    /// <summary>Snapshots and endpoints-only updates received so far.</summary>
    public int SnapshotsReceived { get; private set; }

    public int EndpointUpdatesReceived { get; private set; }

    /// <summary>The control plane replica this proxy uses (or will try next).</summary>
    public Uri ControlPlane => addresses[Volatile.Read(ref current)];

    /// <summary>Whether a stream to the control plane is open now.</summary>
    public bool Connected { get; private set; }

    private async Task RunAsync()
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stop.IsCancellationRequested)
        {
            var receivedAny = false;
            try
            {
                receivedAny = await StreamOnceAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return; // stopping: whatever the cancelled call threw on its way out says nothing
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException or Google.Protobuf.InvalidProtocolBufferException or OperationCanceledException)
            {

                report($"control plane {ControlPlane} unavailable ({ex.Message}); serving {(host.State.Current?.Version is { } v ? "snapshot " + v : "nothing yet")}, retrying in {backoff.TotalSeconds:0.##}s");
            }
            finally
            {
                Connected = false;
                if (addresses.Count > 1)
                {
                    Volatile.Write(ref current, (current + 1) % addresses.Count); // the next replica
                }
            }

            backoff = receivedAny ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            try
            {
                await Task.Delay(backoff * (0.5 + (Random.Shared.NextDouble() / 2)), stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One stream, until it ends; true when at least one message came (the backoff then starts over).</summary>
    private async Task<bool> StreamOnceAsync(CancellationToken cancel)
    {
        var outgoing = Channel.CreateUnbounded<ProxyMessage>(new UnboundedChannelOptions { SingleReader = true });
        var hello = new Hello { Role = identity.Role, Name = identity.Name, Namespace = identity.Namespace, AppliedVersion = host.State.Current?.Version ?? "", AdminAddress = $"127.0.0.1:{host.AdminPort}", Captured = identity.Captured };
        foreach (var (k, v) in identity.Labels)
        {
            hello.Labels[k] = v;
        }

        outgoing.Writer.TryWrite(new ProxyMessage { Hello = hello });
        if (DateTimeOffset.UtcNow >= host.Certificates.RenewAt)
        {
            outgoing.Writer.TryWrite(CertificateRequest()); // none yet, or due: ask with the Hello
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(ControlPlane, GrpcProtocol.StreamPath))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new GrpcRequestStream<ProxyMessage>(outgoing.Reader),
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (token() is { Length: > 0 } bearer)
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + bearer);
        }

        using var response = await invoker.SendAsync(request, cancel).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"the control plane answered {(int)response.StatusCode}");
        }

        Connected = true;
        report($"connected to the control plane {ControlPlane}");
        var received = false;
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var renewer = RenewAsync(outgoing.Writer, renewing.Token);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
            while (await GrpcFraming.ReadAsync(body, ControlMessage.Parser, cancel).ConfigureAwait(false) is { } message)
            {
                if (message.KindCase == ControlMessage.KindOneofCase.Error && message.Error.StartsWith(PushProtocol.Refused, StringComparison.Ordinal))
                {
                    report("control plane: " + message.Error); // turned away: backing off as after a failed connect
                    return false;
                }

                received = true;
                var answer = await HandleAsync(message).ConfigureAwait(false);
                if (answer is not null)
                {
                    outgoing.Writer.TryWrite(answer);
                }
            }

            report("the control plane closed the stream");
        }
        finally
        {
            outgoing.Writer.TryComplete();
            await renewing.CancelAsync().ConfigureAwait(false);
            try
            {
                await renewer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return received;
    }

    private async Task<ProxyMessage?> HandleAsync(ControlMessage message)
    {
        switch (message.KindCase)
        {
            case ControlMessage.KindOneofCase.Snapshot:
                SnapshotsReceived++;
                return Answer(message.Snapshot.Version, await host.ApplyAsync(message.Snapshot).ConfigureAwait(false));
            case ControlMessage.KindOneofCase.Endpoints:
                EndpointUpdatesReceived++;
                var update = message.Endpoints;
                var current = host.State.Current?.Source;
                if (current is null || current.Version != update.BaseVersion)
                {
                    return Answer(update.Version, $"{PushProtocol.EndpointsBaseMismatch} {update.BaseVersion}, but running {current?.Version ?? "nothing"}");
                }

                var next = current.Clone();
                next.Endpoints.Clear();
                next.Endpoints.Add(update.Endpoints);
                next.Version = update.Version;
                return Answer(update.Version, await host.ApplyAsync(next).ConfigureAwait(false));
            case ControlMessage.KindOneofCase.Error:
                report("control plane: " + message.Error);
                return null;
            case ControlMessage.KindOneofCase.Certificate:
                var refused = host.Certificates.Accept(message.Certificate);
                report(refused ?? $"workload certificate: {message.Certificate.Identity} until {host.Certificates.Current!.NotAfter:u}");
                return null;
            default:
                return null;
        }
    }

    private ProxyMessage CertificateRequest() =>
        new() { Csr = new CertificateSigningRequest { Der = Google.Protobuf.ByteString.CopyFrom(host.Certificates.CreateRequest()) } };

    /// <summary>
    /// Renews the workload certificate at half its lifetime with a new key, over the open stream; after a refusal or
    /// an unanswered request it asks again a minute later (a refusal rarely cures itself sooner).
    /// </summary>
    private async Task RenewAsync(ChannelWriter<ProxyMessage> writer, CancellationToken cancel)
    {
        var store = host.Certificates;
        using var changed = new SemaphoreSlim(0);
        void OnChanged(Security.WorkloadCertificateStore.Issued issued) => changed.Release();
        store.Changed += OnChanged;
        try
        {
            // A refusal is asked again after 1 s doubling to a minute: on Kubernetes a pod's sidecar can ask before
            // the control plane has seen the pod's address, and waiting a whole minute would leave it without mTLS.
            var refusedBackoff = TimeSpan.FromSeconds(1);
            while (!cancel.IsCancellationRequested)
            {
                var refused = store.Current is null || store.LastRefusal.Length > 0;
                var wait = refused ? refusedBackoff : store.RenewAt - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero && await changed.WaitAsync(wait, cancel).ConfigureAwait(false))
                {
                    refusedBackoff = TimeSpan.FromSeconds(1);
                    continue; // a certificate arrived: its own renewal time now counts
                }

                if (refused)
                {
                    refusedBackoff = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerMinute, refusedBackoff.Ticks * 2));
                }

                writer.TryWrite(CertificateRequest());
                await changed.WaitAsync(TimeSpan.FromSeconds(5), cancel).ConfigureAwait(false); // the answer, normally at once
            }
        }
        finally
        {
            store.Changed -= OnChanged;
        }
    }

    private static ProxyMessage Answer(string version, string? error) =>
        error is null
            ? new ProxyMessage { Ack = new Ack { Version = version } }
            : new ProxyMessage { Nack = new Nack { Version = version, Reason = error } };

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        invoker.Dispose();
        stop.Dispose();
    }
}
