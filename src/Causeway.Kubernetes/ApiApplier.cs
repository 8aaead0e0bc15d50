using System.Net;
using System.Text.Json.Nodes;

namespace Causeway.Kubernetes;

/// <summary>
/// Creates or replaces objects through the API (what <c>kubectl apply</c> does for a first install, without its
/// three-way merge): POST to the collection, and on 409 AlreadyExists a PUT carrying the stored resourceVersion.
/// Knows the paths of the kinds <see cref="InstallManifests"/> writes.
/// </summary>
public sealed class ApiApplier(KubernetesConnection api)
{
    private static readonly Dictionary<string, (string Prefix, string Plural, bool Namespaced)> Kinds = new(StringComparer.Ordinal)
    {
        ["apiextensions.k8s.io/v1/CustomResourceDefinition"] = ("/apis/apiextensions.k8s.io/v1", "customresourcedefinitions", false),
        ["v1/Namespace"] = ("/api/v1", "namespaces", false),
        ["v1/ServiceAccount"] = ("/api/v1", "serviceaccounts", true),
        ["v1/Secret"] = ("/api/v1", "secrets", true),
        ["v1/Service"] = ("/api/v1", "services", true),
        ["v1/ConfigMap"] = ("/api/v1", "configmaps", true),
        ["apps/v1/Deployment"] = ("/apis/apps/v1", "deployments", true),
        ["rbac.authorization.k8s.io/v1/ClusterRole"] = ("/apis/rbac.authorization.k8s.io/v1", "clusterroles", false),
        ["rbac.authorization.k8s.io/v1/ClusterRoleBinding"] = ("/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", false),
        ["admissionregistration.k8s.io/v1/MutatingWebhookConfiguration"] = ("/apis/admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations", false),
        ["admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration"] = ("/apis/admissionregistration.k8s.io/v1", "validatingwebhookconfigurations", false),
    };

    /// <summary>Applies one object; returns "created" or "configured" as kubectl says it, or throws an ApiException with the server's answer.</summary>
    public async Task<string> ApplyAsync(JsonObject o, CancellationToken cancel)
    {
        var apiVersion = o["apiVersion"]?.GetValue<string>() ?? "";
        var kind = o["kind"]?.GetValue<string>() ?? "";
        if (!Kinds.TryGetValue($"{apiVersion}/{kind}", out var where))
        {
            throw new ApiException($"{apiVersion} {kind}: not a kind causeway install applies");
        }

        var name = o["metadata"]?["name"]?.GetValue<string>() ?? throw new ApiException($"{kind} without metadata.name");
        var ns = where.Namespaced ? o["metadata"]?["namespace"]?.GetValue<string>() ?? "default" : null;
        var collection = ns is null ? $"{where.Prefix}/{where.Plural}" : $"{where.Prefix}/namespaces/{ns}/{where.Plural}";
        using (var created = await api.SendAsync(HttpMethod.Post, collection, o, cancel).ConfigureAwait(false))
        {
            if (created.IsSuccessStatusCode)
            {
                return "created";
            }

            if (created.StatusCode != HttpStatusCode.Conflict)
            {
                throw new ApiException($"{kind} {name}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(cancel).ConfigureAwait(false)}");
            }
        }

        var path = $"{collection}/{name}";
        using var current = await api.Http.GetAsync(new Uri(api.Server, path), cancel).ConfigureAwait(false);
        var stored = JsonNode.Parse(await current.Content.ReadAsStringAsync(cancel).ConfigureAwait(false)) as JsonObject;
        var replacement = (JsonObject)o.DeepClone();
        replacement["metadata"]!["resourceVersion"] = stored?["metadata"]?["resourceVersion"]?.DeepClone();
        using var replaced = await api.SendAsync(HttpMethod.Put, path, replacement, cancel).ConfigureAwait(false);
        return replaced.IsSuccessStatusCode
            ? "configured"
            : throw new ApiException($"{kind} {name}: {(int)replaced.StatusCode} {await replaced.Content.ReadAsStringAsync(cancel).ConfigureAwait(false)}");
    }
}
