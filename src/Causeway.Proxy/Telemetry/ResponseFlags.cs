namespace Causeway.Proxy.Telemetry;

/// <summary>Envoy's response flags, with the meaning `causeway explain --flag` will print.</summary>
public static class ResponseFlags
{
    public const string None = "-";
    public const string NoRoute = "NR";
    public const string NoClusterFound = "NC";
    public const string NoHealthyUpstream = "UH";
    public const string UpstreamConnectionFailure = "UF";
    public const string UpstreamRemoteReset = "UR";
    public const string UpstreamConnectionTermination = "UC";
    public const string DownstreamConnectionTermination = "DC";
    public const string DownstreamProtocolError = "DPE";
    public const string StreamIdleTimeout = "SI";
    public const string UpstreamOverflow = "UO";
    public const string UpstreamRequestTimeout = "UT";
    public const string RetryLimitExceeded = "URX";
    public const string DelayInjected = "DI";
    public const string FaultInjected = "FI";
    public const string RateLimited = "RL";

    /// <summary>Several flags as Envoy prints them: comma-separated.</summary>
    public static string Join(string a, string b) => a == None ? b : b == None ? a : a + "," + b;

    /// <summary>
    /// The flags of a response that streamed back from upstream: a stream cut because the route timeout fired is UT,
    /// not the client's DC (the route timeout covers the whole response); an answer that retries could not improve on
    /// is URX.
    /// </summary>
    public static string AfterResponse(string flags, bool routeTimeoutFired, bool retriesExhausted) =>
        flags == DownstreamConnectionTermination && routeTimeoutFired ? UpstreamRequestTimeout
        : flags == None && retriesExhausted ? RetryLimitExceeded
        : flags;
}
