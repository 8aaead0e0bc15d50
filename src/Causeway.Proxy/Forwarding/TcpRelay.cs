using System.Net.Sockets;
using Causeway.Protocol.V1;
using Causeway.Proxy.Runtime;
using Causeway.Proxy.Telemetry;
using Microsoft.AspNetCore.Connections;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// Opaque TCP: each accepted connection goes to a host of the listener's cluster (weighted, then balanced) and
/// bytes are relayed both ways until either side closes. A connection that cannot be placed is closed (UH/UF).
/// On a listener that passes TLS through, the route is the one the ClientHello's server name selects (NR without).
/// </summary>
internal sealed class TcpRelay(ProxyState state, ProxyStats stats, Random random)
{
    /// <summary>What the stats call a connection closed by an AuthorizationPolicy (Envoy counts it as rbac.denied).</summary>
    internal const string RbacDenied = "RBAC";

    private static Security.Authorization.AuthorizationInput ConnectionFacts(ConnectionContext connection, Listener listener)
    {
        var remote = (connection.RemoteEndPoint as System.Net.IPEndPoint)?.Address.ToString() ?? "";
        var (principal, peerNamespace) = Security.MeshPeer.Of(connection.Features.Get<Microsoft.AspNetCore.Http.Features.ITlsConnectionFeature>()?.ClientCertificate);
        return new Security.Authorization.AuthorizationInput
        {
            Principal = principal,
            PeerNamespace = peerNamespace,
            SourceIp = remote,
            RemoteIp = remote,
            DestinationIp = (connection.LocalEndPoint as System.Net.IPEndPoint)?.Address.ToString() ?? "",
            DestinationPort = listener.Port,
        };
    }

    /// <summary>Relays one connection of the listener <paramref name="listenerName"/>, unless an AuthorizationPolicy refuses it.</summary>
    public async Task HandleAsync(ConnectionContext connection, string listenerName)
    {
        var snapshot = state.Current;
        if (snapshot is null || !snapshot.Listeners.TryGetValue(listenerName, out var listener) || listener.Tcp is null)
        {
            return;
        }

        if (snapshot.Security is { Tcp.IsEmpty: false } security && Security.Authorization.RequestSecurityEnforcement.AppliesTo(listener) &&
            security.Tcp.Decide(ConnectionFacts(connection, listener)) is { Allowed: false })
        {
            // Envoy's network RBAC filter closes the connection; the client sees it reset before any byte
            stats.Record("", 0, RbacDenied);
            return;
        }

        var route = listener.Tcp;
        if (snapshot.SniRoutes.TryGetValue(listenerName, out var byName))
        {
            // TLS passed through: the ClientHello's server name picks the route; the hello itself is relayed.
            string? serverName;
            try
            {
                serverName = await Listeners.ClientHelloReader.PeekServerNameAsync(connection.Transport.Input, connection.ConnectionClosed).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or OperationCanceledException or IOException or ConnectionResetException)
            {
                stats.Record("", 0, ResponseFlags.NoRoute); // not TLS, or no hello in time: no filter chain matches
                return;
            }

            if (byName.Select(serverName) is not { } chosen)
            {
                stats.Record("", 0, ResponseFlags.NoRoute);
                return;
            }

            route = chosen.Route;
        }

        var total = (uint)route.Clusters.Sum(c => (long)c.Weight);
        var pick = total == 0 ? null : Pick(route.Clusters, (uint)random.NextInt64(total));
        if (pick is null || !snapshot.Clusters.TryGetValue(pick.Cluster, out var cluster))
        {
            stats.Record(pick?.Cluster ?? "", 0, ResponseFlags.NoClusterFound);
            return;
        }

        var endpoint = cluster.IsOriginalDestination
            ? connection.Features.Get<IOriginalDestinationFeature>()?.Destination is { } original ? cluster.OriginalDestinationHost(original) : null
            : cluster.Pick(null, null, random);
        if (endpoint is null)
        {
            stats.Record(cluster.Name, 0, ResponseFlags.NoHealthyUpstream);
            return;
        }

        // tcp.maxConnections: past it the connection is closed at once (UO), never queued.
        if (!cluster.State.Breaker.TryOpenTcp())
        {
            cluster.State.Counters.Overflowed(pending: false);
            stats.Record(cluster.Name, 0, ResponseFlags.UpstreamOverflow);
            return;
        }

        try
        {
            await RelayAsync(connection, snapshot, listener.Direction, cluster, endpoint).ConfigureAwait(false);
        }
        finally
        {
            cluster.State.Breaker.CloseTcp();
        }
    }

    private async Task RelayAsync(ConnectionContext connection, CompiledSnapshot snapshot, TrafficDirection direction, ClusterRuntime cluster, Balancing.UpstreamEndpoint endpoint)
    {
        using var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        UpstreamPool.ApplyKeepalive(upstream, cluster.Cluster.ConnectionPool ?? new ConnectionPool());
        endpoint.Begin();
        Stream upstreamStream;
        try
        {
            using var connectTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(1, cluster.Cluster.ConnectionPool?.ConnectTimeoutMs ?? 10_000)));
            await upstream.ConnectAsync(endpoint.Address, (int)endpoint.Port, connectTimeout.Token).ConfigureAwait(false);

            // DestinationRule tls: TLS originated here, the bytes relayed inside it; a failed handshake is a connect failure.
            upstreamStream = cluster.Pool.Tls is { } tls
                ? await tls.AuthenticateAsync(new NetworkStream(upstream, ownsSocket: false), null, connectTimeout.Token).ConfigureAwait(false)
                : new NetworkStream(upstream, ownsSocket: false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or IOException)
        {
            endpoint.End();
            if (cluster.State.Outlier is { } outlier && outlier.Report(endpoint, new Resilience.AttemptOutcome(Resilience.AttemptKind.ConnectFailure), cluster.Healthy))
            {
                cluster.State.Counters.Ejected();
                cluster.Refresh();
            }

            stats.Record(cluster.Name, 0, ResponseFlags.UpstreamConnectionFailure);
            return;
        }

        stats.Istio.TcpOpened(snapshot.Source, direction, cluster.Cluster, endpoint);
        long sent = 0, received = 0;
        var flag = ResponseFlags.None;
        try
        {
            await using var downIn = connection.Transport.Input.AsStream();
            await using var downOut = connection.Transport.Output.AsStream();
            using var done = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
            var toUpstream = StreamPump.PumpAsync(downIn, upstreamStream, done.Token);
            var toDownstream = StreamPump.PumpAsync(upstreamStream, downOut, done.Token);
            await Task.WhenAny(toUpstream, toDownstream).ConfigureAwait(false);

            // Half-close: let the other direction drain briefly, then end both.
            upstream.Shutdown(SocketShutdown.Send);
            await Task.WhenAny(Task.WhenAll(toUpstream, toDownstream), Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
            received = await toUpstream.ConfigureAwait(false);
            sent = await toDownstream.ConfigureAwait(false);
        }
        catch (SocketException)
        {
            flag = ResponseFlags.UpstreamRemoteReset;
        }
        finally
        {
            await upstreamStream.DisposeAsync().ConfigureAwait(false);
            endpoint.End();
            stats.Record(cluster.Name, 0, flag);
            stats.Istio.TcpClosed(snapshot.Source, direction, cluster.Cluster, endpoint, flag, sent, received);
        }
    }

    private static WeightedCluster? Pick(IEnumerable<WeightedCluster> clusters, uint roll)
    {
        foreach (var c in clusters)
        {
            if (roll < c.Weight)
            {
                return c;
            }

            roll -= c.Weight;
        }

        return null;
    }
}
