using Causeway.Protocol.V1;

namespace Causeway.Proxy.Resilience;

/// <summary>
/// A route's retry policy compiled to flags: Envoy's <c>x-envoy-retry-on</c> and <c>x-envoy-retry-grpc-on</c>
/// conditions as Istio passes them through. 5xx covers every 5xx, connect failures, resets and per-try timeouts;
/// gateway-error only 502/503/504 plus the same local failures; reset only the local failures but connect ones;
/// retriable-4xx is 409; the gRPC conditions read grpc-status on a headers-only response.
/// </summary>
public sealed class RetryConditions
{
    private readonly Conditions on;
    private readonly HashSet<int> statusCodes;

    public RetryConditions(RetryPolicy policy)
    {
        Attempts = (int)policy.Attempts;
        PerTryTimeout = policy.PerTryTimeoutMs > 0 ? TimeSpan.FromMilliseconds(policy.PerTryTimeoutMs) : null;
        BackoffBase = TimeSpan.FromMilliseconds(policy.BackoffBaseMs > 0 ? policy.BackoffBaseMs : 25);
        RetryOtherHosts = policy.RetryOtherHosts;
        RetryRemoteLocalities = policy.RetryRemoteLocalities;
        statusCodes = policy.RetriableStatusCodes.Select(c => (int)c).ToHashSet();
        foreach (var token in policy.RetryOn)
        {
            on |= token.Trim() switch
            {
                "5xx" => Conditions.FiveXx,
                "gateway-error" => Conditions.GatewayError,
                "reset" => Conditions.Reset,
                "reset-before-request" => Conditions.Reset,
                "connect-failure" => Conditions.ConnectFailure,
                "refused-stream" => Conditions.RefusedStream,
                "retriable-4xx" => Conditions.Retriable4xx,
                "retriable-status-codes" => Conditions.StatusCodes,
                "cancelled" => Conditions.GrpcCancelled,
                "deadline-exceeded" => Conditions.GrpcDeadlineExceeded,
                "internal" => Conditions.GrpcInternal,
                "resource-exhausted" => Conditions.GrpcResourceExhausted,
                "unavailable" => Conditions.GrpcUnavailable,
                _ => Conditions.None, // envoy-ratelimited, retriable-headers, http3-post-connect-failure: nothing to do here
            };
        }
    }

    [Flags]
    private enum Conditions
    {
        None = 0,
        FiveXx = 1,
        GatewayError = 2,
        Reset = 4,
        ConnectFailure = 8,
        RefusedStream = 16,
        Retriable4xx = 32,
        StatusCodes = 64,
        GrpcCancelled = 128,
        GrpcDeadlineExceeded = 256,
        GrpcInternal = 512,
        GrpcResourceExhausted = 1024,
        GrpcUnavailable = 2048,
    }

    /// <summary>Retries after the first attempt (Istio's attempts).</summary>
    public int Attempts { get; }

    public TimeSpan? PerTryTimeout { get; }

    public TimeSpan BackoffBase { get; }

    /// <summary>Envoy's previous_hosts predicate: a retry avoids hosts already tried.</summary>
    public bool RetryOtherHosts { get; }

    /// <summary>Envoy's previous_priorities: a retry goes to another locality priority when there is one.</summary>
    public bool RetryRemoteLocalities { get; }

    public bool ShouldRetry(AttemptOutcome outcome)
    {
        switch (outcome.Kind)
        {
            case AttemptKind.ConnectFailure:
                return Has(Conditions.ConnectFailure | Conditions.FiveXx | Conditions.GatewayError | Conditions.Reset);
            case AttemptKind.RefusedStream:
                return Has(Conditions.RefusedStream | Conditions.FiveXx | Conditions.Reset);
            case AttemptKind.Reset:
            case AttemptKind.PerTryTimeout:
                return Has(Conditions.FiveXx | Conditions.GatewayError | Conditions.Reset);
        }

        var status = outcome.Status;
        if (status >= 500 && Has(Conditions.FiveXx))
        {
            return true;
        }

        if (status is 502 or 503 or 504 && Has(Conditions.GatewayError))
        {
            return true;
        }

        if (status == 409 && Has(Conditions.Retriable4xx))
        {
            return true;
        }

        if (Has(Conditions.StatusCodes) && statusCodes.Contains(status))
        {
            return true;
        }

        return outcome.GrpcStatus switch
        {
            1 => Has(Conditions.GrpcCancelled),
            4 => Has(Conditions.GrpcDeadlineExceeded),
            8 => Has(Conditions.GrpcResourceExhausted),
            13 => Has(Conditions.GrpcInternal),
            14 => Has(Conditions.GrpcUnavailable),
            _ => false,
        };
    }

    private bool Has(Conditions any) => (on & any) != 0;
}
