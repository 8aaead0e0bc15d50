using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Diagnostics;
using System.Globalization;
using Causeway.Protocol.Grpc;
using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;
using Causeway.Proxy.Listeners;
using Causeway.Proxy.Resilience;
using Causeway.Proxy.Runtime;
using Causeway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Causeway.Proxy.Forwarding;

/// <summary>The outcome of forwarding: the status sent downstream and Envoy's response flags.</summary>
internal readonly record struct ForwardResult(int Status, string Flag);

/// <summary>What forwarding needs besides the request: the stats, the randomness and the request's hash key.</summary>
internal readonly record struct ForwardContext(ProxyStats Stats, Random Random, ulong? Hash, ProxySnapshot? Snapshot, TrafficDirection Direction, long Start, AccessLogWriter? Log, ListenerCounters Listener, System.Diagnostics.Activity? Span = null);

/// <summary>
/// Sends one request to one upstream host and streams the response back, after YARP's design written fresh: the
/// request body is copied while the response streams (no buffering), hop-by-hop headers are dropped, trailers and
/// gRPC status pass through, and an HTTP/1.1 Upgrade (WebSocket) becomes a two-way byte relay after the 101.
/// </summary>
internal static class HttpForwarder
{
    private const int BufferSize = 16 * 1024;

    /// <summary>
    /// Forwards with the route's policy: fault injection first; then attempts, each to a host the cluster picks
    /// (avoiding the previous one on a retry when the policy says so), each admitted by the circuit breakers and
    /// bounded by the per-try timeout, all within the route timeout; each attempt's outcome feeds outlier detection;
    /// a retriable outcome is retried after a jittered backoff while attempts, the retry budget, the body buffer and
    /// the deadline allow. The final response streams back; the outcome is recorded in the stats. One async method
    /// for the whole exchange: each extra layer would allocate a state machine per request.
    /// </summary>
    public static async Task<ForwardResult> ForwardAsync(HttpContext ctx, ClusterRuntime cluster, UpstreamRequest target, RoutePolicy policy, ForwardContext env)
    {
        var state = cluster.State;
        var result = new ForwardResult(0, ResponseFlags.None);
        var injected = ResponseFlags.None;
        var timeout = policy.Timeout;
        var grpcRequest = GrpcProtocol.IsGrpc(ctx.Request.ContentType);
        // Istio's metadata exchange: sent to in-mesh destinations; at the destination, answered when the caller sent it.
        var inbound = env.Direction == TrafficDirection.Inbound;
        var exchange = env.Snapshot?.Proxy is { } me && (inbound ? ctx.Request.Headers.ContainsKey(PeerMetadata.Header) : cluster.Cluster.MeshInternal)
            ? PeerMetadata.For(me)
            : null;
        if (policy.Fault is { } fault)
        {
            if (FaultInjection.Delay(fault, env.Random) is { } delay)
            {
                state.Counters.FaultDelayed();
                injected = ResponseFlags.DelayInjected;
                try
                {
                    await Task.Delay(delay, state.Time, ctx.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    result = new ForwardResult(499, ResponseFlags.Join(injected, ResponseFlags.DownstreamConnectionTermination));
                    Record(ctx, env, cluster, target.RequestId, null, result, ctx.Request.ContentLength ?? 0, 0, grpcRequest);
                    AccessLogging.Log(env.Log, env.Snapshot, ctx, env.Direction, env.Start, result.Status, result.Flag, cluster.Name, null, target.RequestId, target.RouteName, ctx.Request.ContentLength ?? 0, 0, fromUpstream: false);
                    return result;
                }
            }

            if (FaultInjection.Abort(fault, env.Random))
            {
                state.Counters.FaultAborted();
                result = await WriteAbortAsync(ctx, fault).ConfigureAwait(false);
                result = result with { Flag = ResponseFlags.Join(injected, ResponseFlags.FaultInjected) };
                Record(ctx, env, cluster, target.RequestId, null, result, ctx.Request.ContentLength ?? 0, 0, grpcRequest);
                AccessLogging.Log(env.Log, env.Snapshot, ctx, env.Direction, env.Start, result.Status, result.Flag, cluster.Name, null, target.RequestId, target.RouteName, ctx.Request.ContentLength ?? 0, 0, fromUpstream: false);
                return result;
            }
        }
        else if (TimeoutOverride(ctx.Request) is { } requested)
        {
            // x-envoy-upstream-rq-timeout-ms replaces the route timeout for this request (0 disables it).
            timeout = requested > 0 ? TimeSpan.FromMilliseconds(requested) : null;
        }

        var retry = policy.Retry;
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } u ? u : null;
        var hasBody = upgrade is null && (ctx.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? ctx.Request.ContentLength > 0);
        // istio_request_messages_total, and istio_request_bytes where no Content-Length gives them
        var counted = hasBody && (grpcRequest || ctx.Request.ContentLength is null) ? new CountingRequestBody(ctx.Request.Body, grpcRequest) : null;
        var requestBody = counted ?? ctx.Request.Body;
        using var replay = retry is not null && hasBody ? new RetryBuffer(requestBody, RetryBuffer.DefaultLimit) : null;
        // One source for "client gone or route timeout": the timeout is what fired when the client is still there.
        using var deadline = timeout is { } t ? CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted) : null;
        deadline?.CancelAfter(timeout!.Value);
        var cancel = deadline?.Token ?? ctx.RequestAborted;
        var breaker = state.Breaker.Enabled ? state.Breaker : null;
        var http1 = upgrade is not null || !WantsHttp2(ctx, cluster);
        var grpc = retry is not null && grpcRequest;
        UpstreamEndpoint? previous = null;
        UpstreamEndpoint? last = null;
        var retries = 0;
        var retrying = false;
        long responseBytes = 0;
        var grpcStatus = -1;
        var answered = false; // the response came from upstream (Envoy's "via_upstream")
        var responseMessages = default(GrpcMessageCounter);
        try
        {
            while (true)
            {
                var endpoint = PickHost(ctx, cluster, env, retry, previous);
                if (endpoint is null)
                {
                    // No host (also on a retry, whose failed answer was already discarded): Envoy's 503 UH.
                    var flag = retries == 0 ? ResponseFlags.NoHealthyUpstream : ResponseFlags.Join(ResponseFlags.NoHealthyUpstream, ResponseFlags.RetryLimitExceeded);
                    return result = await LocalAsync(ctx, 503, flag, LocalReply.NoHealthyUpstream).ConfigureAwait(false);
                }

                if (breaker is not null)
                {
                    var pendingBefore = breaker.PendingRequests;
                    bool admitted;
                    try
                    {
                        admitted = await breaker.EnterAsync(http1, cancel).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return result = await CancelledAsync(ctx, state, deadline).ConfigureAwait(false);
                    }

                    if (!admitted)
                    {
                        state.Counters.Overflowed(pending: pendingBefore > 0);
                        ctx.Response.Headers["x-envoy-overloaded"] = "true";
                        return result = await LocalAsync(ctx, 503, ResponseFlags.UpstreamOverflow, LocalReply.Overflow).ConfigureAwait(false);
                    }
                }

                target.AttemptText = AttemptTexts[Math.Min(retries + 1, AttemptTexts.Length - 1)];
                last = endpoint;
                endpoint.Begin();
                HttpResponseMessage? response = null;
                AttemptOutcome outcome;
                try
                {
                    using var request = BuildRequest(ctx, cluster, endpoint, target, upgrade is not null, replay, hasBody ? requestBody : null, inbound ? null : exchange);
                    using var perTry = retry?.PerTryTimeout is { } pt ? CancellationTokenSource.CreateLinkedTokenSource(cancel) : null;
                    perTry?.CancelAfter(retry!.PerTryTimeout!.Value);
                    try
                    {
                        response = await cluster.Pool.Invoker.SendAsync(request, perTry?.Token ?? cancel).ConfigureAwait(false);
                        outcome = AttemptOutcome.Of((int)response.StatusCode, grpc ? GrpcStatusOf(response, trailers: false) : -1);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                    {
                        if (cancel.IsCancellationRequested)
                        {
                            return result = await CancelledAsync(ctx, state, deadline).ConfigureAwait(false);
                        }

                        outcome = perTry?.IsCancellationRequested == true ? new AttemptOutcome(AttemptKind.PerTryTimeout) : Classify(ex);
                        if (outcome.Kind == AttemptKind.PerTryTimeout)
                        {
                            state.Counters.PerTryTimedOut();
                        }
                    }

                    if (state.Outlier is { } outlier && outlier.Report(endpoint, outcome, cluster.Healthy))
                    {
                        state.Counters.Ejected();
                        cluster.Refresh();
                    }

                    var retriable = retry is not null && retry.ShouldRetry(outcome);
                    if (retriable && retries < retry!.Attempts && (replay?.CanReplay ?? true) && !cancel.IsCancellationRequested)
                    {
                        if (retrying)
                        {
                            state.Breaker.EndRetry(); // this attempt was a retry: its budget slot is free again
                            retrying = false;
                        }

                        if (!state.Breaker.TryBeginRetry())
                        {
                            state.Counters.RetryOverflowed();
                            retriable = false; // out of retry budget: the outcome stands, without URX
                        }
                        else
                        {
                            retrying = true;
                            response?.Dispose();
                            response = null;
                            EndAttempt(endpoint, breaker, http1);
                            state.Counters.Retry();
                            retries++;
                            previous = endpoint;
                            endpoint = null;
                            try
                            {
                                await Task.Delay(RetryBackoff.Delay(retries, retry.BackoffBase, env.Random), state.Time, cancel).ConfigureAwait(false);
                            }
                            catch (OperationCanceledException)
                            {
                                return result = await CancelledAsync(ctx, state, deadline).ConfigureAwait(false);
                            }

                            continue;
                        }
                    }

                    var exhausted = retriable && retry is not null;
                    if (response is null)
                    {
                        var (status, flag, body) = outcome.Kind switch
                        {
                            AttemptKind.ConnectFailure => (503, ResponseFlags.UpstreamConnectionFailure, LocalReply.ConnectFailure),
                            AttemptKind.PerTryTimeout => (504, ResponseFlags.UpstreamRequestTimeout, LocalReply.Timeout),
                            AttemptKind.RefusedStream => (503, ResponseFlags.UpstreamRemoteReset, LocalReply.RefusedStream),
                            _ => (503, ResponseFlags.UpstreamConnectionTermination, LocalReply.ConnectionTermination),
                        };
                        return result = await LocalAsync(ctx, status, exhausted ? ResponseFlags.Join(flag, ResponseFlags.RetryLimitExceeded) : flag, body).ConfigureAwait(false);
                    }

                    using (response)
                    {
                        // Streamed here rather than in a helper: another async method would allocate its own state
                        // machine per request. Status and headers, then the body chunk by chunk (each flushed, so gRPC
                        // and event streams are not held back), then trailers.
                        result = new ForwardResult((int)response.StatusCode, ResponseFlags.None);
                        answered = true;
                        ctx.Response.StatusCode = (int)response.StatusCode;
                        CopyResponseHeaders(response, ctx.Response);
                        if (inbound && exchange is not null)
                        {
                            ctx.Response.Headers[PeerMetadata.IdHeader] = exchange.Id;
                            ctx.Response.Headers[PeerMetadata.Header] = exchange.Metadata;
                        }

                        target.ApplyResponseHeaders(ctx.Response.Headers);
                        if (response.StatusCode == HttpStatusCode.SwitchingProtocols && upgrade is not null)
                        {
                            await RelayUpgradeAsync(upgrade, response, ctx.RequestAborted).ConfigureAwait(false);
                            return result;
                        }

                        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                        try
                        {
                            var upstream = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
                            var body = ctx.Response.Body;
                            int read;
                            while ((read = await upstream.ReadAsync(buffer.AsMemory(), cancel).ConfigureAwait(false)) > 0)
                            {
                                responseBytes += read;
                                if (grpcRequest)
                                {
                                    responseMessages.Add(buffer.AsSpan(0, read));
                                }

                                await body.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                                await body.FlushAsync(cancel).ConfigureAwait(false);
                            }

                            CopyTrailers(response, ctx);
                            if (grpcRequest)
                            {
                                grpcStatus = GrpcStatusOf(response, trailers: true);
                            }
                        }
                        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
                        {
                            if (cancel.IsCancellationRequested)
                            {
                                result = result with { Flag = ResponseFlags.DownstreamConnectionTermination };
                            }
                            else
                            {
                                ctx.Abort(); // the upstream reset mid-response: reset the downstream too, as Envoy does
                                result = result with { Flag = ResponseFlags.UpstreamRemoteReset };
                            }
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                        }

                        if (result.Flag == ResponseFlags.DownstreamConnectionTermination && deadline?.IsCancellationRequested == true)
                        {
                            state.Counters.TimedOut();
                            ctx.Abort(); // the route timeout covers the whole response: past it the stream is reset (UT)
                            result = result with { Flag = ResponseFlags.UpstreamRequestTimeout };
                        }
                        else if (exhausted && result.Flag == ResponseFlags.None)
                        {
                            result = result with { Flag = ResponseFlags.RetryLimitExceeded };
                        }

                        return result;
                    }
                }
                finally
                {
                    if (endpoint is not null)
                    {
                        EndAttempt(endpoint, breaker, http1);
                    }
                }
            }
        }
        finally
        {
            if (retrying)
            {
                state.Breaker.EndRetry();
            }

            if (injected != ResponseFlags.None)
            {
                result = result with { Flag = result.Flag == ResponseFlags.None ? injected : ResponseFlags.Join(injected, result.Flag) };
            }

            var requestBytes = ctx.Request.ContentLength ?? counted?.Bytes ?? 0;
            Record(ctx, env, cluster, target.RequestId, last, result, requestBytes, responseBytes, grpcRequest, grpcStatus, counted?.Messages ?? 0, responseMessages.Messages);
            AccessLogging.Log(env.Log, env.Snapshot, ctx, env.Direction, env.Start, result.Status, result.Flag, cluster.Name, last, target.RequestId, target.RouteName, requestBytes, responseBytes, fromUpstream: answered);
        }

        async Task<ForwardResult> LocalAsync(HttpContext c, int status, string flag, string body)
        {
            await LocalReply.WriteAsync(c, status, body).ConfigureAwait(false);
            return new ForwardResult(status, flag);
        }
    }

    /// <summary>The request in the proxy's counters and in Istio's standard metrics.</summary>
    private static void Record(HttpContext ctx, ForwardContext env, ClusterRuntime cluster, string requestId, UpstreamEndpoint? endpoint, ForwardResult result, long requestBytes, long responseBytes, bool grpc, int grpcStatus = -1, long requestMessages = 0, long responseMessages = 0)
    {
        env.Stats.Record(cluster.Name, result.Status, result.Flag);
        env.Listener.Request(result.Status);
        Tracer.End(env.Span, ctx, env.Snapshot, cluster.Name, result.Status, result.Flag, requestId, requestBytes, responseBytes); // the id sent upstream, generated when the caller had none
        env.Stats.Istio.RecordRequest(env.Snapshot, env.Direction, cluster, endpoint, result.Status, result.Flag,
            grpc, grpcStatus,
            Stopwatch.GetElapsedTime(env.Start).TotalMilliseconds, requestBytes, responseBytes, requestMessages, responseMessages, ctx);
    }

    private static readonly string[] AttemptTexts = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"];

    /// <summary>Ends an attempt: the host's in-flight count and its circuit breaker slot.</summary>
    private static void EndAttempt(UpstreamEndpoint endpoint, CircuitBreaker? breaker, bool http1)
    {
        endpoint.End();
        breaker?.Exit(http1);
    }

    /// <summary>A retry picks again, avoiding the previous host when the policy retries on other hosts (Envoy's previous_hosts).</summary>
    private static UpstreamEndpoint? PickHost(HttpContext ctx, ClusterRuntime cluster, ForwardContext env, RetryConditions? retry, UpstreamEndpoint? previous)
    {
        if (cluster.IsOriginalDestination)
        {
            return OriginalDestination.Of(ctx.Features) is { } original ? cluster.OriginalDestinationHost(original) : null;
        }

        return cluster.Pick(env.Hash, retry?.RetryOtherHosts == true ? previous : null, env.Random,
            retry?.RetryRemoteLocalities == true ? previous?.Source.Priority : null);
    }

    /// <summary>The route timeout expired (504 UT) or the client went away (DC); nothing more is sent upstream.</summary>
    private static async Task<ForwardResult> CancelledAsync(HttpContext ctx, ClusterState state, CancellationTokenSource? deadline)
    {
        if (!ctx.RequestAborted.IsCancellationRequested && deadline?.IsCancellationRequested == true)
        {
            state.Counters.TimedOut();
            await LocalReply.WriteAsync(ctx, 504, LocalReply.Timeout).ConfigureAwait(false);
            return new ForwardResult(504, ResponseFlags.UpstreamRequestTimeout);
        }

        return new ForwardResult(499, ResponseFlags.DownstreamConnectionTermination);
    }

    private static AttemptOutcome Classify(Exception ex)
    {
        if (ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } || ex.InnerException is SocketException || ex is TaskCanceledException)
        {
            return new AttemptOutcome(AttemptKind.ConnectFailure);
        }

        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException { ErrorCode: 0x7 })
            {
                return new AttemptOutcome(AttemptKind.RefusedStream);
            }
        }

        return new AttemptOutcome(AttemptKind.Reset);
    }

    /// <summary>grpc-status from the trailers (after the body) or a headers-only response; -1 when absent.</summary>
    private static int GrpcStatusOf(HttpResponseMessage response, bool trailers)
    {
        if (trailers && response.TrailingHeaders.NonValidated.TryGetValues("grpc-status", out var t) &&
            int.TryParse(t.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var fromTrailers))
        {
            return fromTrailers;
        }

        return response.Headers.NonValidated.TryGetValues("grpc-status", out var values) &&
               int.TryParse(values.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : -1;
    }

    private static long? TimeoutOverride(HttpRequest request) =>
        request.Headers.TryGetValue("x-envoy-upstream-rq-timeout-ms", out var v) &&
        long.TryParse(v.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : null;

    private static bool WantsHttp2(HttpContext ctx, ClusterRuntime cluster) =>
        cluster.UpstreamHttp2 || (cluster.Cluster.Protocol == "AUTO" && ctx.Request.Protocol == "HTTP/2");

    /// <summary>Envoy's fault abort: the status with "fault filter abort", or for gRPC a trailers-only 200 with grpc-status.</summary>
    private static async Task<ForwardResult> WriteAbortAsync(HttpContext ctx, Fault fault)
    {
        if (fault.AbortGrpcStatus.Length > 0)
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/grpc";
            ctx.Response.Headers["grpc-status"] = FaultInjection.GrpcCode(fault.AbortGrpcStatus).ToString(CultureInfo.InvariantCulture);
            ctx.Response.Headers["grpc-message"] = FaultInjection.AbortBody;
            ctx.Response.ContentLength = 0;
            return new ForwardResult(200, ResponseFlags.FaultInjected);
        }

        await LocalReply.WriteAsync(ctx, (int)fault.AbortHttpStatus, FaultInjection.AbortBody).ConfigureAwait(false);
        return new ForwardResult((int)fault.AbortHttpStatus, ResponseFlags.FaultInjected);
    }

    private static HttpRequestMessage BuildRequest(HttpContext ctx, ClusterRuntime cluster, UpstreamEndpoint endpoint, UpstreamRequest target, bool upgrade, RetryBuffer? replay, Stream? body, PeerMetadata.Own? exchange)
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

        if (body is not null)
        {
            message.Content = new StreamContent(replay?.NextAttempt() ?? body, BufferSize);
        }

        if (cluster.Cluster.ConnectionPool?.MaxRequestsPerConnection == 1 && message.Version == HttpVersion.Version11)
        {
            message.Headers.ConnectionClose = true; // maxRequestsPerConnection 1: no keep-alive upstream (Istio)
        }

        UpstreamRequestHeaders.Copy(incoming, message, target, copyContentHeaders: true, exchange);
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
            if ((!HopByHopHeaders.Contains(name) || (switching && name is "Upgrade" or "Connection")) && !PeerMetadata.IsExchangeHeader(name))
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

    /// <summary>Copies until either side ends; returns the bytes copied (the TCP metrics count them).</summary>
    internal static async Task<long> PumpAsync(Stream from, Stream to, CancellationToken cancel)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer.AsMemory(), cancel).ConfigureAwait(false);
                if (read == 0)
                {
                    return total;
                }

                total += read;
                await to.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                await to.FlushAsync(cancel).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            return total; // one side closed: the relay ends
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
