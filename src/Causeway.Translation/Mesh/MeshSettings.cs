using Causeway.Api.Analysis;
using Causeway.Api.Model.Networking;

namespace Causeway.Translation.Mesh;

/// <summary>
/// Mesh-wide settings from Istio's MeshConfig that the translation honours. <c>DefaultHttpRetryPolicy</c> replaces
/// Istio's built-in default retry policy for routes without <c>retries</c>; <c>attempts: 0</c> turns default retries
/// off mesh-wide. <c>AccessLogFile</c> (MeshConfig accessLogFile, for example /dev/stdout) turns Envoy-format access
/// logs on for every proxy, in JSON when accessLogEncoding is JSON; Telemetry resources override it. <c>Tracing</c>:
/// MeshConfig's sampling default, default tracing providers and OpenTelemetry collectors. <c>PathNormalization</c>:
/// how proxies normalize request paths before routing (Istio's BASE by default). <c>OutboundTrafficPolicy</c>: what a
/// sidecar does with traffic for a destination it does not know: ALLOW_ANY (Istio's default) passes it to the
/// address the application dialled, REGISTRY_ONLY blocks it; a Sidecar resource's own setting wins.
/// </summary>
public sealed record MeshSettings(HttpRetry? DefaultHttpRetryPolicy = null, string AccessLogFile = "", bool AccessLogJson = false, MeshTracing? Tracing = null, string PathNormalization = "BASE", string OutboundTrafficPolicy = "ALLOW_ANY")
{
    public static MeshSettings Default { get; } = new();

    /// <summary>defaultConfig.gatewayTopology.numTrustedProxies: X-Forwarded-For hops a gateway trusts for remote.ip.</summary>
    public uint NumTrustedProxies { get; init; }

    /// <summary>The settings an Istio mesh config file (the <c>mesh</c> key of the istio ConfigMap) gives; a malformed field throws a FormatException naming it.</summary>
    public static MeshSettings Parse(string meshConfigYaml)
    {
        var (logFile, logJson) = MeshConfigFile.AccessLog(meshConfigYaml);
        return new MeshSettings(MeshConfigFile.DefaultHttpRetryPolicy(meshConfigYaml), logFile, logJson, MeshConfigFile.Tracing(meshConfigYaml), MeshConfigFile.PathNormalization(meshConfigYaml), MeshConfigFile.OutboundTrafficPolicy(meshConfigYaml))
        {
            NumTrustedProxies = MeshConfigFile.NumTrustedProxies(meshConfigYaml),
        };
    }
}
