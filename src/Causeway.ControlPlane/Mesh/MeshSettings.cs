using Causeway.Api.Model.Networking;

namespace Causeway.ControlPlane.Mesh;

/// <summary>
/// Mesh-wide settings from Istio's MeshConfig that the translation honours. <c>DefaultHttpRetryPolicy</c> replaces
/// Istio's built-in default retry policy for routes without <c>retries</c>; <c>attempts: 0</c> turns default retries
/// off mesh-wide. <c>AccessLogFile</c> (MeshConfig accessLogFile, for example /dev/stdout) turns Envoy-format access
/// logs on for every proxy, in JSON when accessLogEncoding is JSON; Telemetry resources override it.
/// </summary>
public sealed record MeshSettings(HttpRetry? DefaultHttpRetryPolicy = null, string AccessLogFile = "", bool AccessLogJson = false)
{
    public static MeshSettings Default { get; } = new();
}
