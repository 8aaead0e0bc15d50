using Causeway.Api.Model.Networking;

namespace Causeway.ControlPlane.Mesh;

/// <summary>
/// Mesh-wide settings from Istio's MeshConfig that the translation honours. <c>DefaultHttpRetryPolicy</c> replaces
/// Istio's built-in default retry policy for routes without <c>retries</c>; <c>attempts: 0</c> turns default retries
/// off mesh-wide.
/// </summary>
public sealed record MeshSettings(HttpRetry? DefaultHttpRetryPolicy = null)
{
    public static MeshSettings Default { get; } = new();
}
