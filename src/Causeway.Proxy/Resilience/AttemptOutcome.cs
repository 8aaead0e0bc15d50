namespace Causeway.Proxy.Resilience;

/// <summary>How one upstream attempt ended, as far as retries and outlier detection care.</summary>
public enum AttemptKind
{
    /// <summary>Response headers arrived (any status).</summary>
    Response,

    /// <summary>No connection could be made (refused, unreachable, connect timeout).</summary>
    ConnectFailure,

    /// <summary>The connection was reset or closed before response headers.</summary>
    Reset,

    /// <summary>HTTP/2 REFUSED_STREAM: the host did not process the request.</summary>
    RefusedStream,

    /// <summary>The per-try timeout fired before response headers.</summary>
    PerTryTimeout,
}

/// <summary>One attempt's result: its kind, the HTTP status and, for a gRPC response, its grpc-status (-1 when none).</summary>
public readonly record struct AttemptOutcome(AttemptKind Kind, int Status = 0, int GrpcStatus = -1)
{
    public static AttemptOutcome Of(int status, int grpcStatus = -1) => new(AttemptKind.Response, status, grpcStatus);

    /// <summary>An error that originated at the proxy side of the connection rather than in the host's answer.</summary>
    public bool IsLocalOrigin => Kind != AttemptKind.Response;
}
