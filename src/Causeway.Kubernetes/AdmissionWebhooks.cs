using System.Text;
using System.Text.Json.Nodes;
using Causeway.Api.Diagnostics;
using Causeway.Api.Validation;

namespace Causeway.Kubernetes;

/// <summary>
/// The answers to the API server's AdmissionReview (admission.k8s.io/v1) calls: validation of Istio kinds with the
/// same loader and rules as <c>causeway validate</c> (a rejected object is refused with every error, as Istio's
/// validation.istio.io webhook refuses it; warnings ride along), and sidecar injection (a JSON Patch). Pure.
/// </summary>
public static class AdmissionWebhooks
{
    /// <summary>The AdmissionReview answering a validation request.</summary>
    public static JsonObject Validate(JsonObject review)
    {
        var request = review["request"] as JsonObject ?? throw new FormatException("the AdmissionReview has no request");
        var response = Response(request);
        if (request["operation"]?.GetValue<string>() is "DELETE" || request["object"] is not JsonObject o)
        {
            response["allowed"] = true;
            return Wrap(review, response);
        }

        var ns = request["namespace"]?.GetValue<string>();
        if (ns is not null && o["metadata"] is JsonObject metadata && metadata["namespace"] is null)
        {
            metadata["namespace"] = ns; // a create through a namespaced URL may leave it out of the object
        }

        var name = o["metadata"]?["name"]?.GetValue<string>() ?? o["metadata"]?["generateName"]?.GetValue<string>() ?? "";
        var kind = request["resource"]?["resource"]?.GetValue<string>() ?? o["kind"]?.GetValue<string>() ?? "";
        var result = ResourceValidation.LoadAndValidateText(ApiObjectText.For(o), $"{kind}/{ns}/{name}");
        var errors = result.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        response["allowed"] = errors.Count == 0;
        if (errors.Count > 0)
        {
            response["status"] = new JsonObject
            {
                ["status"] = "Failure",
                ["reason"] = "BadRequest",
                ["code"] = 400,
                ["message"] = "configuration is invalid: " + string.Join("; ", errors.Select(e => e.ToString())),
            };
        }

        var warnings = result.Diagnostics.Where(d => d.Severity == Severity.Warning).Select(d => (JsonNode?)JsonValue.Create(d.ToString())).ToArray();
        if (warnings.Length > 0)
        {
            response["warnings"] = new JsonArray(warnings);
        }

        return Wrap(review, response);
    }

    /// <summary>The AdmissionReview answering a pod creation: a patch adding the sidecar, or the pod allowed as it is.</summary>
    public static JsonObject Inject(JsonObject review, InjectionSettings settings, Func<string, IReadOnlyDictionary<string, string>?> namespaceLabels, Action<string>? report = null)
    {
        var request = review["request"] as JsonObject ?? throw new FormatException("the AdmissionReview has no request");
        var response = Response(request);
        response["allowed"] = true; // injection never blocks a pod: at worst it runs without its sidecar
        var ns = request["namespace"]?.GetValue<string>() ?? "default";
        if (request["operation"]?.GetValue<string>() is "CREATE" && request["object"] is JsonObject pod)
        {
            var skip = SidecarInjector.SkipReason(pod, ns, namespaceLabels(ns));
            var name = pod["metadata"]?["name"]?.GetValue<string>() ?? pod["metadata"]?["generateName"]?.GetValue<string>() + "*";
            if (skip is null)
            {
                response["patchType"] = "JSONPatch";
                response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(SidecarInjector.Patch(pod, settings).ToJsonString()));
                report?.Invoke($"injection: pod {ns}/{name} gets its sidecar");
            }
            else
            {
                report?.Invoke($"injection: pod {ns}/{name} left alone: {skip}");
            }
        }

        return Wrap(review, response);
    }

    private static JsonObject Response(JsonObject request) => new() { ["uid"] = request["uid"]?.DeepClone() ?? "" };

    private static JsonObject Wrap(JsonObject review, JsonObject response) => new()
    {
        ["apiVersion"] = review["apiVersion"]?.DeepClone() ?? "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["response"] = response,
    };
}
