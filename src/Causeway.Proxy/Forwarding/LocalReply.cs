using Causeway.Proxy.Resilience;
using Causeway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Forwarding;

/// <summary>Responses the proxy writes itself, with Envoy's status codes and bodies so clients and tooling see the same.</summary>
internal static class LocalReply
{
    public const string NoHealthyUpstream = "no healthy upstream";
    public const string ConnectFailure = "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
    public const string ConnectionTermination = "upstream connect error or disconnect/reset before headers. reset reason: connection termination";
    public const string Overflow = "upstream connect error or disconnect/reset before headers. reset reason: overflow";
    public const string RefusedStream = "upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset";
    public const string Timeout = "upstream request timeout";
    public const string RateLimited = "local_rate_limited";

    /// <summary>
    /// Envoy's answer when an attempt got no response: 503 UF for a failed connection, 504 UT for a per-try timeout,
    /// 503 UR for a refused stream, 503 UC for a reset; with URX too when retries ran out on it.
    /// </summary>
    public static (int Status, string Flags, string Body) ForFailedAttempt(AttemptKind kind, bool retriesExhausted)
    {
        var (status, flag, body) = kind switch
        {
            AttemptKind.ConnectFailure => (503, ResponseFlags.UpstreamConnectionFailure, ConnectFailure),
            AttemptKind.PerTryTimeout => (504, ResponseFlags.UpstreamRequestTimeout, Timeout),
            AttemptKind.RefusedStream => (503, ResponseFlags.UpstreamRemoteReset, RefusedStream),
            _ => (503, ResponseFlags.UpstreamConnectionTermination, ConnectionTermination),
        };
        return (status, retriesExhausted ? ResponseFlags.Join(flag, ResponseFlags.RetryLimitExceeded) : flag, body);
    }

    /// <summary>
    /// When an attempt failed because of the client rather than the upstream (its body was malformed or too slow, or
    /// it went away mid-upload), the answer Envoy gives: 400 DPE, 408 SI (the request body's data rate), 413, or 499
    /// DC for a client gone. Null when the upstream is to blame. A client's failure is never retried and never counts
    /// against the host (outlier detection).
    /// </summary>
    public static (int Status, string Flags)? ForClientFault(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case BadHttpRequestException bad:
                    return bad.StatusCode switch
                    {
                        StatusCodes.Status408RequestTimeout => (408, ResponseFlags.StreamIdleTimeout),
                        _ => (bad.StatusCode, ResponseFlags.DownstreamProtocolError),
                    };
                case Microsoft.AspNetCore.Connections.ConnectionResetException or Microsoft.AspNetCore.Connections.ConnectionAbortedException:
                    return (499, ResponseFlags.DownstreamConnectionTermination);
            }
        }

        return null;
    }

    public static Task WriteAsync(HttpContext ctx, int status, string body = "")
    {
        if (ctx.Response.HasStarted)
        {
            ctx.Abort();
            return Task.CompletedTask;
        }

        ctx.Response.StatusCode = status;
        if (body.Length == 0)
        {
            ctx.Response.ContentLength = 0;
            return Task.CompletedTask;
        }

        ctx.Response.ContentType = "text/plain";
        ctx.Response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(body);
        return ctx.Response.WriteAsync(body);
    }
}
