using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>
/// Service account tokens as the kubelet projects them into pods (bound to the pod, with an audience), and the
/// TokenReview API that says whose a token is: unknown tokens and tokens for another audience are not authenticated.
/// </summary>
public sealed partial class FakeApiServer
{
    private readonly ConcurrentDictionary<string, (string Namespace, string ServiceAccount, string Pod, string Audience)> tokens = new(StringComparer.Ordinal);

    /// <summary>A projected token for a pod, as the kubelet writes it into the pod's volume.</summary>
    public string IssueServiceAccountToken(string ns, string serviceAccount, string pod, string audience = "istio-ca")
    {
        var token = "fake." + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        tokens[token] = (ns, serviceAccount, pod, audience);
        return token;
    }

    private JsonObject ReviewToken(JsonObject review)
    {
        var token = review["spec"]?["token"]?.GetValue<string>() ?? "";
        var audiences = (review["spec"]?["audiences"] as JsonArray ?? []).Select(a => a!.GetValue<string>()).ToList();
        var status = new JsonObject { ["authenticated"] = false };
        if (!tokens.TryGetValue(token, out var owner))
        {
            status["error"] = "invalid bearer token";
        }
        else if (audiences.Count > 0 && !audiences.Contains(owner.Audience))
        {
            status["error"] = "token audiences are invalid";
        }
        else
        {
            status["authenticated"] = true;
            status["audiences"] = new JsonArray(owner.Audience);
            status["user"] = new JsonObject
            {
                ["username"] = $"system:serviceaccount:{owner.Namespace}:{owner.ServiceAccount}",
                ["groups"] = new JsonArray("system:serviceaccounts", $"system:serviceaccounts:{owner.Namespace}", "system:authenticated"),
                ["extra"] = new JsonObject { ["authentication.kubernetes.io/pod-name"] = new JsonArray(owner.Pod) },
            };
        }

        return new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenReview", ["spec"] = review["spec"]?.DeepClone(), ["status"] = status };
    }
}
