using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Diagnostics;
using System.Globalization;
using Causeway.Protocol.Grpc;
using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;
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

/// <summary>What forwarding needs besides the request: the stats, the randomness, the request's hash key and where it arrived.</summary>
internal readonly record struct ForwardContext(ProxyStats Stats, Random Random, ulong? Hash, CompiledSnapshot Snapshot, TrafficDirection Direction, long Start, ListenerCounters Listener, Activity? Span = null);

/// <summary>
/// Sends one request to one upstream host and streams the response back, after YARP's design written fresh: the
/// request body is copied while the response streams (no buffering), hop-by-hop headers are dropped, trailers and
/// gRPC status pass through, and an HTTP/1.1 Upgrade (WebSocket) becomes a two-way byte relay after the 101.
/// </summary>
internal static class HttpForwarder
{
    private const int BufferSize = 16 * 1024;

    /// <summary>
    /// Forwards with the route's policy: fault injection first (<see cref="FaultInjection.Decide"/>); then attempts,
    /// each to a host the cluster picks (avoiding the previous one on a retry when the policy says so), each admitted
    /// by the circuit breakers and bounded by the per-try timeout, all within the route timeout; each attempt's outcome
    /// feeds outlier detection, and <see cref="RetryState.Decide"/> says whether it is retried (after a jittered
    /// backoff). The final response streams back; its flags fold as <see cref="ResponseFlags.AfterResponse"/> says, and
    /// the request is recorded once, whatever path it took. The decisions are pure; this is the one async method
    /// (each extra async layer would allocate a state machine per request).
    /// </summary>
    public static async Task<ForwardResult> ForwardAsync(HttpContext ctx, ClusterRuntime cluster, UpstreamRequest target, RoutePolicy policy, ForwardContext env)
    {
        var state = cluster.State;
        var result = new ForwardResult(0, ResponseFlags.None);
        var injected = ResponseFlags.None;
        var grpcRequest = GrpcProtocol.IsGrpc(ctx.Request.ContentType);
        // Istio's metadata exchange: sent to in-mesh destinations; at the destination, answered when the caller sent it.
        var inbound = env.Direction == TrafficDirection.Inbound;
        var own = (inbound ? ctx.Request.Headers.ContainsKey(PeerMetadata.Header) : cluster.Cluster.MeshInternal) ? env.Snapshot.PeerMetadata : null;
        var retry = default(RetryState);
        CountingRequestBody? counted = null;
        UpstreamEndpoint? last = null;
        long responseBytes = 0;
        var grpcStatus = -1;
        var answered = false; // the response came from upstream (Envoy's "via_upstream")
        var responseMessages = default(GrpcMessageCounter);
        try
        {
            var timeout = policy.Timeout;
            if (policy.Fault is { } fault)
            {
                var step = FaultInjection.Decide(fault, env.Random);
                if (step.Delay is { } delay)
                {
                    state.Counters.FaultDelayed();
                    injected = ResponseFlags.DelayInjected;
                    try
                    {
                        await Task.Delay(delay, state.Time, ctx.RequestAborted).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return result = new ForwardResult(499, ResponseFlags.DownstreamConnectionTermination);
                    }
                }

                if (step.Abort)
                {
                    state.Counters.FaultAborted();
                    return result = await WriteAbortAsync(ctx, fault).ConfigureAwait(false);
                }
            }
            else if (TimeoutOverride(ctx.Request) is { } requested)
            {
                // x-envoy-upstream-rq-timeout-ms replaces the route timeout for this request (0 disables it).
                timeout = requested > 0 ? TimeSpan.FromMilliseconds(requested) : null;
            }

            var retryPolicy = policy.Retry;
            var upgrade = target.WebSocket && ctx.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } u ? u : null;
            var hasBody = upgrade is null && (ctx.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? ctx.Request.ContentLength > 0);
            // istio_request_messages_total, and istio_request_bytes where no Content-Length gives them
            counted = hasBody && (grpcRequest || ctx.Request.ContentLength is null) ? new CountingRequestBody(ctx.Request.Body, grpcRequest) : null;
            var requestBody = counted ?? ctx.Request.Body;
            using var replay = retryPolicy is not null && hasBody ? new RetryBuffer(requestBody, RetryBuffer.DefaultLimit) : null;
            // One source for "client gone or route timeout": the timeout is what fired when the client is still there.
            using var deadline = timeout is { } t ? CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted) : null;
            deadline?.CancelAfter(timeout!.Value);
            var cancel = deadline?.Token ?? ctx.RequestAborted;
            var breaker = state.Breaker.Enabled ? state.Breaker : null;
            var http2 = upgrade is null && cluster.UpstreamHttp2(ctx.Request.Protocol == "HTTP/2");
            var http1 = !http2;
            var grpc = retryPolicy is not null && grpcRequest;
            while (true)
            {
                var endpoint = PickHost(ctx, cluster, env, retryPolicy, retry.Previous);
                if (endpoint is null)
                {
                    // No host (also on a retry, whose failed answer was already discarded): Envoy's 503 UH.
                    var flag = retry.Retries == 0 ? ResponseFlags.NoHealthyUpstream : ResponseFlags.Join(ResponseFlags.NoHealthyUpstream, ResponseFlags.RetryLimitExceeded);
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

                target.AttemptText = AttemptTexts[Math.Min(retry.Retries + 1, AttemptTexts.Length - 1)];
                last = endpoint;
                endpoint.Begin();
                HttpResponseMessage? response = null;
                AttemptOutcome outcome;
                try
                {
                    using var request = BuildRequest(ctx, endpoint, target, upgrade is not null, http2, cluster.Cluster.ConnectionPool?.MaxRequestsPerConnection == 1, replay, hasBody ? requestBody : null, inbound ? null : own);
                    using var perTry = retryPolicy?.PerTryTimeout is { } pt ? CancellationTokenSource.CreateLinkedTokenSource(cancel) : null;
                    perTry?.CancelAfter(retryPolicy!.PerTryTimeout!.Value);
                    try
                    {
                        response = await cluster.Pool.Invoker.SendAsync(request, perTry?.Token ?? cancel).ConfigureAwait(false);
                        outcome = AttemptOutcome.Of((int)response.StatusCode, grpc ? GrpcStatusOf(response, trailers: false) : -1);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                    {
                        if (LocalReply.ForClientFault(ex) is { } clientFault)
                        {
                            // The client's body failed, not the host: answered as Envoy does, never retried, no outlier strike.
                            ctx.Response.Headers.Connection = "close";
                            return result = await LocalAsync(ctx, clientFault.Status, clientFault.Flags, "").ConfigureAwait(false);
                        }

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

                    var decision = retry.Decide(retryPolicy, outcome, endpoint, replay?.CanReplay ?? true, cancel.IsCancellationRequested, state.Breaker, state.Counters);
                    if (decision == RetryDecision.Retry)
                    {
                        response?.Dispose();
                        response = null;
                        EndAttempt(endpoint, breaker, http1);
                        endpoint = null;
                        try
                        {
                            await Task.Delay(RetryBackoff.Delay(retry.Retries, retryPolicy!.BackoffBase, env.Random), state.Time, cancel).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            return result = await CancelledAsync(ctx, state, deadline).ConfigureAwait(false);
                        }

                        continue;
                    }

                    var exhausted = decision == RetryDecision.Exhausted;
                    if (response is null)
                    {
                        var (status, flags, body) = LocalReply.ForFailedAttempt(outcome.Kind, exhausted);
                        return result = await LocalAsync(ctx, status, flags, body).ConfigureAwait(false);
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
                        if (inbound && own is not null)
                        {
                            ctx.Response.Headers[PeerMetadata.IdHeader] = own.Id;
                            ctx.Response.Headers[PeerMetadata.Header] = own.Metadata;
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

                        var final = ResponseFlags.AfterResponse(result.Flag, deadline?.IsCancellationRequested == true, exhausted);
                        if (final == ResponseFlags.UpstreamRequestTimeout && result.Flag != final)
                        {
                            state.Counters.TimedOut();
                            ctx.Abort(); // the route timeout covers the whole response: past it the stream is reset (UT)
                        }

                        return result = result with { Flag = final };
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
            retry.End(state.Breaker);
            result = result with { Flag = ResponseFlags.Join(injected, result.Flag) };
            RequestRecorder.Record(env.Stats, env.Snapshot.AccessLog, new FinishedRequest(ctx, env.Snapshot.Source, env.Direction, env.Start, env.Listener)
            {
                Span = env.Span,
                Cluster = cluster.Cluster,
                ClusterName = cluster.Name,
                Endpoint = last,
                Status = result.Status,
                Flags = result.Flag,
                RequestId = target.RequestId,
                RouteName = target.RouteName,
                RequestBytes = ctx.Request.ContentLength ?? counted?.Bytes ?? 0,
                ResponseBytes = responseBytes,
                Grpc = grpcRequest,
                GrpcStatus = grpcStatus,
                RequestMessages = counted?.Messages ?? 0,
                ResponseMessages = responseMessages.Messages,
                FromUpstream = answered,
            });
        }

        static async Task<ForwardResult> LocalAsync(HttpContext c, int status, string flag, string body)
        {
            await LocalReply.WriteAsync(c, status, body).ConfigureAwait(false);
            return new ForwardResult(status, flag);
        }
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
            return ctx.Features.Get<IOriginalDestinationFeature>()?.Destination is { } original ? cluster.OriginalDestinationHost(original) : null;
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
        // A TLS handshake the proxy originated that failed (the server's certificate did not verify) is a connection
        // failure too: Envoy's UF with a TLS transport failure reason.
        if (ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } || ex.InnerException is SocketException or System.Security.Authentication.AuthenticationException || ex is TaskCanceledException)
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

    private static HttpRequestMessage BuildRequest(HttpContext ctx, UpstreamEndpoint endpoint, UpstreamRequest target, bool upgrade, bool http2, bool oneRequestPerConnection, RetryBuffer? replay, Stream? body, PeerMetadata.Own? exchange)
    {
        var incoming = ctx.Request;
        var message = new HttpRequestMessage(HttpMethod.Parse(incoming.Method), endpoint.UriFor(target.PathAndQuery))
        {
            Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        if (body is not null)
        {
            message.Content = new StreamContent(replay?.NextAttempt() ?? body, BufferSize);
        }

        if (oneRequestPerConnection && !http2)
        {
            message.Headers.ConnectionClose = true; // maxRequestsPerConnection 1: no keep-alive upstream (Istio)
        }

        UpstreamRequestHeaders.Copy(incoming, message, target, copyContentHeaders: true, exchange);
        if (upgrade)
        {
            message.Headers.TryAddWithoutValidation("Connection", "Upgrade");
            message.Headers.TryAddWithoutValidation("Upgrade", incoming.Headers.Upgrade.ToString());
        }

        // Added as received: the Host setter parses and validates it (about 2,000 instructions per request), and the
        // proxy forwards the authority it routed on, which Kestrel has already checked.
        message.Headers.TryAddWithoutValidation("Host", target.Authority);
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
        var a = StreamPump.PumpAsync(downstream, upstream, stop.Token);
        var b = StreamPump.PumpAsync(upstream, downstream, stop.Token);
        await Task.WhenAny(a, b).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await upstream.DisposeAsync().ConfigureAwait(false);
        await downstream.DisposeAsync().ConfigureAwait(false);
    }
}
