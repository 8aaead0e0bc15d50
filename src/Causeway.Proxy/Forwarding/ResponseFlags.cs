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
}
