using System.Text.Json.Nodes;
using Causeway.ControlPlane.Security;
using Causeway.Protocol.V1;

namespace Causeway.Kubernetes;

/// <summary>
/// How an injected sidecar proves who it is on Kubernetes, as istiod checks istio-agent: it sends its pod's projected
/// service account token (audience istio-ca), and the API server's TokenReview says whose it is. A token bound to a
/// pod (the kubelet's projected tokens are) makes a credential for exactly that pod: the sidecar may then only
/// introduce itself as that pod, and gets that pod's certificate.
/// </summary>
public sealed class ServiceAccountTokens(KubernetesConnection api, string audience = ServiceAccountTokens.Audience)
{
    public const string Audience = "istio-ca";

    private const string PodNameKey = "authentication.kubernetes.io/pod-name";

    public async Task<(PushCredential? Credential, string? Error)> ReviewAsync(string token)
    {
        var review = new JsonObject
        {
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["kind"] = "TokenReview",
            ["spec"] = new JsonObject { ["token"] = token, ["audiences"] = new JsonArray(audience) },
        };
        JsonObject? status;
        try
        {
            using var response = await api.SendAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews", review, CancellationToken.None).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"TokenReview failed: {(int)response.StatusCode} {body.Trim()}");
            }

            status = (JsonNode.Parse(body) as JsonObject)?["status"] as JsonObject;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return (null, $"TokenReview failed: {ex.Message}");
        }

        if (status?["authenticated"]?.GetValue<bool>() != true)
        {
            return (null, "the API server does not authenticate it" + (status?["error"]?.GetValue<string>() is { } e ? $" ({e})" : ""));
        }

        var user = status["user"]?["username"]?.GetValue<string>() ?? "";
        var parts = user.Split(':');
        if (parts is not ["system", "serviceaccount", var ns, _])
        {
            return (null, $"{user} is not a service account");
        }

        if (status["user"]?["extra"]?[PodNameKey]?[0]?.GetValue<string>() is not { Length: > 0 } pod)
        {
            return (null, $"the token of {user} is not bound to a pod (mount a projected token with audience {audience})");
        }

        return (new PushCredential(ProxyRole.Sidecar, ns, pod), null);
    }
}
