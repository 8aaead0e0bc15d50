using System.Collections.Concurrent;
using System.Net;
using Causeway.ControlPlane.Config;
using Causeway.ControlPlane.Security;
using Causeway.Protocol;
using Causeway.Protocol.Grpc;
using Causeway.Protocol.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Causeway.ControlPlane.Push;

/// <summary>
/// The push server (Pilot's xDS server role): each proxy holds one gRPC stream (HTTP/2, cleartext) on which it says
/// who it is and ACKs or NACKs what it gets. On every config generation each connected proxy gets what changed for
/// it: nothing when its snapshot is the same, only endpoints when nothing else changed, else the whole snapshot.
/// A proxy authenticates with a bearer token (<see cref="PushTokenAuthority"/>) that must fit what its Hello says;
/// one without a token is served config but never a Secret (istiod's plaintext port serves no SDS either), or is
/// refused when the control plane requires tokens.
/// </summary>
public sealed class PushServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<ProxyStream, byte> streams = new();
    private readonly SnapshotCache cache = new();
    private readonly Func<ConfigGeneration> config;
    private readonly PushTokenAuthority tokens;

    // Another kind of token a proxy may present (Kubernetes service account tokens, by TokenReview); null: only ours.
    private readonly Func<string, Task<(PushCredential? Credential, string? Error)>>? externalTokens;
    private readonly bool requireToken;
    private readonly MeshCertificateAuthority? ca;

    private PushServer(WebApplication app, Func<ConfigGeneration> config, PushTokenAuthority tokens, bool requireToken, MeshCertificateAuthority? ca,
        Func<string, Task<(PushCredential? Credential, string? Error)>>? externalTokens)
    {
        this.externalTokens = externalTokens;
        this.ca = ca;
        this.app = app;
        this.config = config;
        this.tokens = tokens;
        this.requireToken = requireToken;
    }

    public int Port { get; private set; }

    public PushMetrics Metrics { get; } = new();

    public IReadOnlyCollection<ProxyStream> Proxies => streams.Keys.ToList();

    /// <summary>Status lines (connections, NACKs) as they happen.</summary>
    public event Action<string>? Status;

    public static async Task<PushServer> StartAsync(IPEndPoint bind, Func<ConfigGeneration> config, PushTokenAuthority tokens, bool requireToken, MeshCertificateAuthority? ca = null,
        Func<string, Task<(PushCredential? Credential, string? Error)>>? externalTokens = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            // A push stream is long-lived and mostly idle in both directions: Kestrel's minimum data rates (meant to
            // shed slow uploads) would cut it after 5 s of quiet.
            o.Limits.MinRequestBodyDataRate = null;
            o.Limits.MinResponseDataRate = null;
            o.Limits.KeepAliveTimeout = TimeSpan.FromDays(1);
            o.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            o.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            o.Listen(bind, l => l.Protocols = HttpProtocols.Http2); // gRPC: HTTP/2 by prior knowledge
        });
        var app = builder.Build();
        var server = new PushServer(app, config, tokens, requireToken, ca, externalTokens);
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        server.Port = address is null ? bind.Port : new Uri(address).Port;
        return server;
    }

    /// <summary>Sends every connected proxy what the new generation changes for it.</summary>
    public void Push(ConfigGeneration generation)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var stream in streams.Keys)
        {
            PushTo(stream, generation, forceFull: false);
        }

        Metrics.GenerationPushed(System.Diagnostics.Stopwatch.GetElapsedTime(start), generation.Number);
        Metrics.MaybeConverged(Proxies);
    }

    private void PushTo(ProxyStream stream, ConfigGeneration generation, bool forceFull)
    {
        var entry = cache.Get(generation, stream.Hello, stream.Credential is not null);
        if (entry is null)
        {
            var error = $"no WorkloadEntry {stream.Hello.Name} in namespace {stream.Hello.Namespace}: nothing to serve this sidecar yet";
            if (stream.Error != error)
            {
                stream.Error = error;
                stream.Send(new ControlMessage { Error = error }, stream.SentVersion, stream.SentStructure);
                Metrics.ErrorSent();
            }

            return;
        }

        stream.Error = "";
        var snapshot = entry.Snapshot;
        if (!forceFull && snapshot.Version == stream.SentVersion)
        {
            return; // nothing changed for this proxy
        }

        if (!forceFull && stream.SentVersion.Length > 0 && entry.Structure == stream.SentStructure)
        {
            var update = new EndpointsUpdate { Version = snapshot.Version, BaseVersion = stream.SentVersion };
            update.Endpoints.Add(snapshot.Endpoints);
            stream.Send(new ControlMessage { Endpoints = update }, snapshot.Version, entry.Structure);
            Metrics.Pushed(endpointsOnly: true);
            return;
        }

        stream.Send(new ControlMessage { Snapshot = snapshot }, snapshot.Version, entry.Structure);
        Metrics.Pushed(endpointsOnly: false);
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        if (ctx.Request.Path != GrpcProtocol.StreamPath || ctx.Request.Method != "POST" ||
            ctx.Request.ContentType?.StartsWith(GrpcProtocol.ContentType, StringComparison.Ordinal) != true)
        {
            ctx.Response.StatusCode = 404;
            return;
        }

        ctx.Response.ContentType = GrpcProtocol.ContentType;
        var cancel = ctx.RequestAborted;
        ProxyStream? stream = null;
        var status = GrpcProtocol.StatusOk;
        var message = "";
        try
        {
            await ctx.Response.StartAsync(cancel).ConfigureAwait(false);

            // The headers go now: a proxy that reconnects already running the current snapshot is sent nothing
            // else, and would otherwise wait for them (and never count as connected).
            await ctx.Response.BodyWriter.FlushAsync(cancel).ConfigureAwait(false);
            var first = await GrpcFraming.ReadAsync(ctx.Request.Body, ProxyMessage.Parser, cancel).ConfigureAwait(false);
            if (first?.KindCase != ProxyMessage.KindOneofCase.Hello)
            {
                status = GrpcProtocol.StatusInternal;
                message = "the first message must be a Hello";
                return;
            }

            var peer = ctx.Connection.RemoteIpAddress + ":" + ctx.Connection.RemotePort;
            var (credential, refusal, refusalStatus) = await AuthenticateAsync(ctx.Request.Headers.Authorization.ToString(), first.Hello).ConfigureAwait(false);
            if (refusal is not null)
            {
                // Said on the stream too, so the proxy's log has the reason and not only a status code.
                GrpcFraming.Write(ctx.Response.BodyWriter, new ControlMessage { Error = PushProtocol.Refused + refusal });
                await ctx.Response.BodyWriter.FlushAsync(cancel).ConfigureAwait(false);
                Metrics.Refused();
                Status?.Invoke($"refused: {PushCredential.RoleName(first.Hello.Role)} {first.Hello.Name}.{first.Hello.Namespace} from {peer}: {refusal}");
                (status, message) = (refusalStatus, refusal);
                return;
            }

            stream = new ProxyStream(first.Hello, peer) { Abort = ctx.Abort, Credential = credential };
            streams[stream] = 0;
            Status?.Invoke($"connected: {stream.Id} from {stream.Peer} ({(credential is null ? "no token" : "token for " + credential)}; running {(first.Hello.AppliedVersion.Length > 0 ? first.Hello.AppliedVersion : "nothing")})");
            if (first.Hello.AppliedVersion.Length > 0)
            {
                // A reconnect: what it runs is what we would have sent, so it is not resent if unchanged.
                var entry = cache.Get(config(), stream.Hello, credential is not null);
                if (entry?.Snapshot.Version == first.Hello.AppliedVersion)
                {
                    stream.MarkSent(entry.Snapshot.Version, entry.Structure);
                    stream.AckedVersion = entry.Snapshot.Version;
                }
            }

            if (stream.SentVersion.Length == 0)
            {
                PushTo(stream, config(), forceFull: true);
            }

            var writer = WriteAsync(ctx, stream, cancel);
            await ReadAsync(ctx, stream, cancel).ConfigureAwait(false);
            stream.Complete();
            await writer.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidDataException or Google.Protobuf.InvalidProtocolBufferException)
        {
            status = GrpcProtocol.StatusUnavailable;
            message = ex.Message;
        }
        finally
        {
            if (stream is not null)
            {
                streams.TryRemove(stream, out _);
                stream.Complete();
                Status?.Invoke($"disconnected: {stream.Id}");
            }

            if (!ctx.RequestAborted.IsCancellationRequested)
            {
                ctx.Response.AppendTrailer("grpc-status", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (message.Length > 0)
                {
                    ctx.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
                }
            }
        }
    }

    /// <summary>The proxy's credential from its bearer token (null: it sent none and that is allowed), or why it is refused.</summary>
    private async Task<(PushCredential? Credential, string? Refusal, int Status)> AuthenticateAsync(string authorization, Hello hello)
    {
        if (authorization.Length == 0)
        {
            return requireToken
                ? (null, "this control plane requires a token (give the proxy --token-file; make one with causeway token)", GrpcProtocol.StatusUnauthenticated)
                : (null, null, GrpcProtocol.StatusOk);
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, "the authorization header is not a bearer token", GrpcProtocol.StatusUnauthenticated);
        }

        var bearer = authorization["Bearer ".Length..].Trim();
        var (credential, error) = await tokens.ValidateAsync(bearer).ConfigureAwait(false);
        if (credential is null && externalTokens is not null)
        {
            var (external, externalError) = await externalTokens(bearer).ConfigureAwait(false);
            (credential, error) = external is null ? ((PushCredential?)null, (string?)$"{error}; as a Kubernetes token: {externalError}") : (external, null);
        }

        if (credential is null)
        {
            return (null, error, GrpcProtocol.StatusUnauthenticated);
        }

        return credential.Mismatch(hello) is { } mismatch ? (null, mismatch, GrpcProtocol.StatusPermissionDenied) : (credential, null, GrpcProtocol.StatusOk);
    }

    private async Task ReadAsync(HttpContext ctx, ProxyStream stream, CancellationToken cancel)
    {
        while (await GrpcFraming.ReadAsync(ctx.Request.Body, ProxyMessage.Parser, cancel).ConfigureAwait(false) is { } message)
        {
            switch (message.KindCase)
            {
                case ProxyMessage.KindOneofCase.Ack:
                    stream.AckedVersion = message.Ack.Version;
                    stream.AckedAt = DateTimeOffset.UtcNow;
                    stream.LastNack = "";
                    Metrics.MaybeConverged(Proxies);
                    break;
                case ProxyMessage.KindOneofCase.Csr:
                    stream.SendDirect(new ControlMessage { Certificate = Certify(stream, message.Csr) });
                    break;
                case ProxyMessage.KindOneofCase.Nack:
                    stream.LastNack = $"{message.Nack.Version}: {message.Nack.Reason}";
                    Metrics.Nacked();
                    Status?.Invoke($"NACK from {stream.Id}: {stream.LastNack}");
                    if (message.Nack.Reason.StartsWith(PushProtocol.EndpointsBaseMismatch, StringComparison.Ordinal))
                    {
                        PushTo(stream, config(), forceFull: true); // it missed the snapshot the update builds on
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Issues the proxy its workload certificate for the identity the control plane knows it by, never the one it
    /// asks for: a sidecar's service account from its WorkloadEntry, a gateway's own name; and only to a proxy that
    /// authenticated with a token for that identity (istiod's CA likewise requires an authenticated caller).
    /// </summary>
    private WorkloadCertificate Certify(ProxyStream stream, CertificateSigningRequest csr)
    {
        var hello = stream.Hello;
        string? refused = null;
        string? serviceAccount = null;
        if (ca is null)
        {
            refused = "this control plane runs no certificate authority";
        }
        else if (stream.Credential is null)
        {
            refused = "the proxy presented no token, so its identity is not established";
        }
        else if (hello.Role == ProxyRole.Gateway)
        {
            serviceAccount = hello.Name;
        }
        else if (config().Mesh.Registry.Workloads.FirstOrDefault(w => w.Name == hello.Name && w.Namespace == hello.Namespace) is { } workload)
        {
            serviceAccount = workload.ServiceAccount;
        }
        else
        {
            refused = $"no WorkloadEntry {hello.Name} in namespace {hello.Namespace}";
        }

        if (serviceAccount is not null)
        {
            var identity = ca!.SpiffeId(hello.Namespace, serviceAccount);
            try
            {
                var (chain, notAfter) = ca.Sign(csr.Der.Span, identity);
                Status?.Invoke($"certificate: {stream.Id} is {identity} until {notAfter:u}");
                return new WorkloadCertificate { ChainPem = chain, RootPem = ca.RootPem, Identity = identity };
            }
            catch (InvalidDataException ex)
            {
                refused = ex.Message;
            }
        }

        Status?.Invoke($"certificate refused: {stream.Id}: {refused}");
        return new WorkloadCertificate { Refused = refused ?? "" };
    }

    /// <summary>
    /// At most this many messages are being written at once across all streams: a snapshot is buffered in its
    /// stream's pipe until the proxy reads it, so thousands of proxies syncing at once would otherwise hold thousands
    /// of snapshots in memory together.
    /// </summary>
    private readonly SemaphoreSlim sendGate = new(32);

    private async Task WriteAsync(HttpContext ctx, ProxyStream stream, CancellationToken cancel)
    {
        try
        {
            await foreach (var message in stream.Outgoing.ReadAllAsync(cancel).ConfigureAwait(false))
            {
                await sendGate.WaitAsync(cancel).ConfigureAwait(false);
                try
                {
                    GrpcFraming.Write(ctx.Response.BodyWriter, message);
                    await ctx.Response.BodyWriter.FlushAsync(cancel).ConfigureAwait(false);
                }
                finally
                {
                    sendGate.Release();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The proxy went away; the reader sees it too.
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stream in streams.Keys)
        {
            stream.Complete();
            try
            {
                stream.Abort(); // streams never end on their own: without this, stopping waits for Kestrel's shutdown timeout
            }
            catch (ObjectDisposedException)
            {
                // The request ended between listing the streams and aborting it: nothing left to stop.
            }
        }

        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
