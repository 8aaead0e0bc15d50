using System.Globalization;
using Causeway.Api.Model;
using Causeway.Api.Model.Networking;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// Istio's retry translation (pilot/pkg/networking/core/route/retry/retry.go): no <c>retries</c> means the mesh
/// default (2 attempts on connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes, on another
/// host), unless MeshConfig's defaultHttpRetryPolicy replaces it; <c>attempts: 0</c> disables retries; numeric codes in retryOn become retriable status codes; retrying on
/// other hosts is off with consistent hashing (the same host is wanted).
/// </summary>
internal static class RetryPolicyTranslator
{
    public static RetryPolicy? Translate(HttpRetry? retries, bool consistentHash, HttpRetry? meshDefault = null)
    {
        retries ??= meshDefault; // MeshConfig defaultHttpRetryPolicy stands in for Istio's built-in default
        if (retries is null)
        {
            var policy = new RetryPolicy
            {
                Attempts = IstioDefaults.RetryAttempts,
                RetryOtherHosts = !consistentHash,
                BackoffBaseMs = ClusterBuilder.Ms(IstioDefaults.RetryBackoffBase.Value),
            };
            policy.RetryOn.Add(IstioDefaults.RetryOn.Split(','));
            return policy;
        }

        if (retries.Attempts is not > 0)
        {
            return null;
        }

        var result = new RetryPolicy
        {
            Attempts = (uint)retries.Attempts.Value,
            PerTryTimeoutMs = retries.PerTryTimeout is { } t ? ClusterBuilder.Ms(t.Value) : 0,
            RetryOtherHosts = retries.RetryIgnorePreviousHosts ?? !consistentHash,
            RetryRemoteLocalities = retries.RetryRemoteLocalities ?? false,
            BackoffBaseMs = ClusterBuilder.Ms((retries.Backoff ?? IstioDefaults.RetryBackoffBase).Value),
        };
        var on = (retries.RetryOn ?? IstioDefaults.RetryOn).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var token in on)
        {
            if (uint.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            {
                result.RetriableStatusCodes.Add(code);
            }
            else
            {
                result.RetryOn.Add(token);
            }
        }

        if (result.RetriableStatusCodes.Count > 0 && !result.RetryOn.Contains("retriable-status-codes"))
        {
            result.RetryOn.Add("retriable-status-codes");
        }

        return result;
    }
}
