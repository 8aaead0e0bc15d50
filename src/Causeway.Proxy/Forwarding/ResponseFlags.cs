namespace Causeway.Proxy.Forwarding;

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
    public const string UpstreamOverflow = "UO";
    public const string UpstreamRequestTimeout = "UT";
    public const string RetryLimitExceeded = "URX";
    public const string DelayInjected = "DI";
    public const string FaultInjected = "FI";
    public const string RateLimited = "RL";

    /// <summary>Several flags as Envoy prints them: comma-separated.</summary>
    public static string Join(string a, string b) => a == None ? b : b == None ? a : a + "," + b;
}
