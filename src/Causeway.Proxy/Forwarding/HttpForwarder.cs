using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Causeway.Proxy.Balancing;
using Causeway.Proxy.Runtime;
using Microsoft.AspNetCore.Http;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Causeway.Proxy.Forwarding;

/// <summary>The outcome of one forwarding attempt: the status sent downstream and Envoy's response flag.</summary>
internal readonly record struct ForwardResult(int Status, string Flag);

/// <summary>
/// Sends one request to one upstream host and streams the response back, after YARP's design written fresh: the
/// request body is copied while the response streams (no buffering), hop-by-hop headers are dropped, trailers and
/// gRPC status pass through, and an HTTP/1.1 Upgrade (WebSocket) becomes a two-way byte relay after the 101.
/// </summary>
internal static class HttpForwarder
{
    private const int BufferSize = 16 * 1024;

    /// <summary>
    /// Forwards, then records the outcome in the stats; the endpoint counts the request as active throughout (least
    /// request balancing reads that). One async method for the whole exchange: each extra layer would allocate a
    /// state machine per request.
    /// </summary>
    public static async Task<ForwardResult> ForwardAsync(HttpContext ctx, ClusterRuntime cluster, UpstreamEndpoint endpoint, UpstreamRequest target, ProxyStats stats)
    {
        var cancel = ctx.RequestAborted;
        var result = new ForwardResult(0, ResponseFlags.None);
        endpoint.Begin();
        try
        {
            var upgrade = ctx.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } u ? u : null;
            using var request = BuildRequest(ctx, cluster, endpoint, target, upgrade is not null);
            HttpResponseMessage response;
            try
            {
                response = await cluster.Pool.Invoker.SendAsync(request, cancel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                if (ctx.RequestAborted.IsCancellationRequested)
                {
                    return result = new ForwardResult(499, ResponseFlags.DownstreamConnectionTermination);
                }

                var connect = ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } || ex.InnerException is SocketException || ex is TaskCanceledException;
                await LocalReply.WriteAsync(ctx, 503, connect ? LocalReply.ConnectFailure : LocalReply.ConnectionTermination).ConfigureAwait(false);
                return result = new ForwardResult(503, connect ? ResponseFlags.UpstreamConnectionFailure : ResponseFlags.UpstreamConnectionTermination);
            }

            using (response)
            {
                ctx.Response.StatusCode = (int)response.StatusCode;
                CopyResponseHeaders(response, ctx.Response);
                target.ApplyResponseHeaders(ctx.Response.Headers);
                if (response.StatusCode == HttpStatusCode.SwitchingProtocols && upgrade is not null)
                {
                    await RelayUpgradeAsync(upgrade, response, cancel).ConfigureAwait(false);
                    return result = new ForwardResult(101, ResponseFlags.None);
                }

                var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    // The body streams through chunk by chunk, each flushed as it arrives, so streams (gRPC, server-sent
                    // events) are not held back.
                    var upstream = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
                    var body = ctx.Response.Body;
                    int read;
                    while ((read = await upstream.ReadAsync(buffer.AsMemory(), cancel).ConfigureAwait(false)) > 0)
                    {
                        await body.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                        await body.FlushAsync(cancel).ConfigureAwait(false);
                    }

                    CopyTrailers(response, ctx);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
                {
                    if (ctx.RequestAborted.IsCancellationRequested)
                    {
                        return result = new ForwardResult((int)response.StatusCode, ResponseFlags.DownstreamConnectionTermination);
                    }

                    ctx.Abort(); // the upstream reset mid-response: reset the downstream too, as Envoy does
                    return result = new ForwardResult((int)response.StatusCode, ResponseFlags.UpstreamRemoteReset);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                return result = new ForwardResult((int)response.StatusCode, ResponseFlags.None);
            }
        }
        finally
        {
            endpoint.End();
            stats.Record(cluster.Name, result.Status, result.Flag);
        }
    }

    private static HttpRequestMessage BuildRequest(HttpContext ctx, ClusterRuntime cluster, UpstreamEndpoint endpoint, UpstreamRequest target, bool upgrade)
    {
        var incoming = ctx.Request;
        var message = new HttpRequestMessage(HttpMethod.Parse(incoming.Method), endpoint.UriFor(target.PathAndQuery));
        var downstreamH2 = incoming.Protocol == "HTTP/2";
        if (!upgrade && (cluster.UpstreamHttp2 || (cluster.Cluster.Protocol == "AUTO" && downstreamH2)))
        {
            message.Version = HttpVersion.Version20;
            message.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        else
        {
            message.Version = HttpVersion.Version11;
            message.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        var bodyDetection = ctx.Features.Get<IHttpRequestBodyDetectionFeature>();
        if (!upgrade && (bodyDetection?.CanHaveBody ?? incoming.ContentLength > 0))
        {
            message.Content = new StreamContent(incoming.Body, BufferSize);
        }

        UpstreamRequestHeaders.Copy(incoming, message, target, copyContentHeaders: true);
        if (upgrade)
        {
            message.Headers.TryAddWithoutValidation("Connection", "Upgrade");
            message.Headers.TryAddWithoutValidation("Upgrade", incoming.Headers.Upgrade.ToString());
        }

        message.Headers.Host = target.Authority;
        target.ApplyRequestHeaders(message);
        return message;
    }

    private static void CopyResponseHeaders(HttpResponseMessage response, HttpResponse downstream)
    {
        var switching = response.StatusCode == HttpStatusCode.SwitchingProtocols;

        // NonValidated: the values as received, without HttpHeaders parsing each one on enumeration.
        foreach (var (name, values) in response.Headers.NonValidated)
        {
            if (!HopByHopHeaders.Contains(name) || (switching && name is "Upgrade" or "Connection"))
            {
                downstream.Headers[name] = ToStringValues(values);
            }
        }

        foreach (var (name, values) in response.Content.Headers.NonValidated)
        {
            downstream.Headers[name] = ToStringValues(values);
        }
    }

    private static StringValues ToStringValues(HeaderStringValues values) =>
        values.Count == 1 ? new StringValues(values.ToString()) : new StringValues(values.ToArray());

    private static void CopyTrailers(HttpResponseMessage response, HttpContext ctx)
    {
        if (response.TrailingHeaders.NonValidated.Count > 0 && ctx.Features.Get<IHttpResponseTrailersFeature>() is { } trailers)
        {
            foreach (var (name, values) in response.TrailingHeaders.NonValidated)
            {
                trailers.Trailers[name] = ToStringValues(values);
            }
        }
    }

    private static async Task RelayUpgradeAsync(IHttpUpgradeFeature upgrade, HttpResponseMessage response, CancellationToken cancel)
    {
        var upstream = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        var downstream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var a = PumpAsync(downstream, upstream, stop.Token);
        var b = PumpAsync(upstream, downstream, stop.Token);
        await Task.WhenAny(a, b).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await upstream.DisposeAsync().ConfigureAwait(false);
        await downstream.DisposeAsync().ConfigureAwait(false);
    }

    internal static async Task PumpAsync(Stream from, Stream to, CancellationToken cancel)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer.AsMemory(), cancel).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                await to.FlushAsync(cancel).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // One side closed: the relay ends.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
