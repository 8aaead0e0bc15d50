using Causeway.Protocol.V1;

namespace Causeway.Proxy.Resilience;

/// <summary>
/// Istio's HTTPFaultInjection: a delay and an abort, each applied to its own percentage of requests (independently;
/// an unset percentage means none). An abort answers with the HTTP status, or for gRPC with HTTP 200 and the
/// grpc-status, as Envoy's fault filter does.
/// </summary>
public static class FaultInjection
{
    public const string AbortBody = "fault filter abort";

    /// <summary>Both of a request's fault rolls, made before anything is sent: the delay first, then the abort.</summary>
    public static FaultStep Decide(Fault fault, Random random) => new(Delay(fault, random), Abort(fault, random));

    public static TimeSpan? Delay(Fault fault, Random random) =>
        fault.DelayMs > 0 && random.NextDouble() * 100 < fault.DelayPercent ? TimeSpan.FromMilliseconds(fault.DelayMs) : null;

    public static bool Abort(Fault fault, Random random) =>
        (fault.AbortHttpStatus > 0 || fault.AbortGrpcStatus.Length > 0) && random.NextDouble() * 100 < fault.AbortPercent;

    /// <summary>A gRPC status name (Istio's "UNAVAILABLE" style) or number, as its numeric code.</summary>
    public static int GrpcCode(string status) => status.ToUpperInvariant() switch
    {
        "OK" => 0,
        "CANCELLED" => 1,
        "UNKNOWN" => 2,
        "INVALID_ARGUMENT" => 3,
        "DEADLINE_EXCEEDED" => 4,
        "NOT_FOUND" => 5,
        "ALREADY_EXISTS" => 6,
        "PERMISSION_DENIED" => 7,
        "RESOURCE_EXHAUSTED" => 8,
        "FAILED_PRECONDITION" => 9,
        "ABORTED" => 10,
        "OUT_OF_RANGE" => 11,
        "UNIMPLEMENTED" => 12,
        "INTERNAL" => 13,
        "UNAVAILABLE" => 14,
        "DATA_LOSS" => 15,
        "UNAUTHENTICATED" => 16,
        var other => int.TryParse(other, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 2,
    };
}

/// <summary>What fault injection does to one request: wait this long first (null: no delay), then abort or not.</summary>
public readonly record struct FaultStep(TimeSpan? Delay, bool Abort);
