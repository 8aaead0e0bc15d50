using Causeway.Protocol.V1;

namespace Causeway.Proxy.Resilience;

/// <summary>
/// A route's resilience settings compiled once per snapshot: retries, the route timeout, fault injection and the
/// local rate limit. As Istio documents, a route with faults gets neither retries nor a timeout.
/// </summary>
public sealed class RoutePolicy
{
    public RoutePolicy(Route route)
    {
        Fault = route.Fault is { } f && (f.DelayMs > 0 || f.AbortHttpStatus > 0 || f.AbortGrpcStatus.Length > 0) ? f : null;
        Retry = Fault is null && route.Retry is { Attempts: > 0 } r ? new RetryConditions(r) : null;
        Timeout = Fault is null && route.TimeoutMs > 0 ? TimeSpan.FromMilliseconds(route.TimeoutMs) : null;
        RateLimit = route.RateLimit is { MaxTokens: > 0 } rl
            ? new TokenBucket((int)rl.MaxTokens, (int)Math.Max(1, rl.TokensPerFill), TimeSpan.FromMilliseconds(rl.FillIntervalMs))
            : null;
    }

    public RetryConditions? Retry { get; }

    public TimeSpan? Timeout { get; }

    public Fault? Fault { get; }

    public TokenBucket? RateLimit { get; }

    /// <summary>Faults switch off the client-side timeout override too.</summary>
    public bool HonoursTimeoutHeader => Fault is null;
}
