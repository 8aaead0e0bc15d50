using Causeway.Api.Model.Common;

namespace Causeway.Api.Model;

/// <summary>
/// Istio's documented defaults in one place (../shared/reference/istio-inventory.md section 1; istio/api protos and
/// mesh/v1alpha1/config.proto). Model types expose Effective* properties that fall back to these.
/// </summary>
public static class IstioDefaults
{
    public const string MeshGateway = "mesh";
    public const string RootNamespace = "istio-system";
    public const string ClusterDomain = "cluster.local";

    public static readonly IReadOnlyList<string> MeshGatewayList = [MeshGateway];

    /// <summary>HTTPRedirect.redirectCode.</summary>
    public const uint RedirectCode = 301;

    /// <summary>Mesh defaultHttpRetryPolicy: 2 attempts.</summary>
    public const int RetryAttempts = 2;

    /// <summary>
    /// Retry conditions of the current upstream default (istio/api#3416, 2025-01): 503 is no longer retried by default.
    /// Configurable mesh-wide (docs/architecture.md explains the choice).
    /// </summary>
    public const string RetryOn = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

    public static readonly ProtoDuration RetryBackoffBase = ProtoDuration.FromMilliseconds(25);

    public static readonly ProtoDuration ConnectTimeout = ProtoDuration.FromSeconds(10);

    public static readonly ProtoDuration IdleTimeout = ProtoDuration.FromSeconds(3600);

    public const uint OutlierConsecutive5xxErrors = 5;
    public const uint OutlierConsecutiveLocalOriginFailures = 5;
    public static readonly ProtoDuration OutlierInterval = ProtoDuration.FromSeconds(10);
    public static readonly ProtoDuration OutlierBaseEjectionTime = ProtoDuration.FromSeconds(30);
    public const int OutlierMaxEjectionPercent = 10;

    /// <summary>Istio sets 0 (Envoy's own default would be 50).</summary>
    public const int OutlierMinHealthPercent = 0;

    public const ulong RingHashMinimumRingSize = 1024;
    public const ulong MaglevTableSize = 65537;

    public const double WarmupMinimumPercent = 10;
    public const double WarmupAggression = 1.0;

    public const double RetryBudgetPercent = 20;
    public const uint RetryBudgetMinRetryConcurrency = 3;

    public static readonly ProtoDuration JwksFetchTimeout = ProtoDuration.FromSeconds(5);

    /// <summary>Sentinel Istio uses for "unlimited" connection-pool limits (2^32-1).</summary>
    public const uint UnlimitedConnections = uint.MaxValue;
}
