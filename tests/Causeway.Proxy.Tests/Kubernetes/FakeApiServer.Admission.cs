using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>
/// Admission as the API server runs it on a create or update: every MutatingWebhookConfiguration's webhooks whose
/// rules (operations, API groups, resources), namespaceSelector and objectSelector (matchLabels) match are called in
/// order with an admission.k8s.io/v1 AdmissionReview over HTTPS, trusting the webhook's caBundle, and their JSON
/// Patches applied; then the validating ones. A denial becomes the client's error, worded as the API server words
/// it; a webhook that cannot be reached fails the request unless its failurePolicy is Ignore. Webhooks are reached
/// by clientConfig.url only (a Service reference needs cluster networking the fake does not have).
/// </summary>
public sealed partial class FakeApiServer
{
    private int admissionCalls;

    /// <summary>AdmissionReview calls made, mutating and validating.</summary>
    public int AdmissionCalls => Volatile.Read(ref admissionCalls);

    private bool HasWebhooks()
    {
        lock (gate)
        {
            return objects.Keys.Any(k => k.StartsWith("admissionregistration.k8s.io/", StringComparison.Ordinal));
        }
    }

    private async Task<(JsonObject Object, (int Code, string Message)? Denied)> AdmitAsync(ApiKind kind, string? ns, string name, JsonObject o, JsonObject? old, string operation)
    {
        foreach (var phase in new[] { "mutatingwebhookconfigurations", "validatingwebhookconfigurations" })
        {
            List<JsonObject> configurations;
            JsonObject? namespaceObject = null;
            lock (gate)
            {
                configurations = [.. objects.Where(kv => kv.Key.StartsWith($"admissionregistration.k8s.io/{phase}/", StringComparison.Ordinal)).Select(kv => (JsonObject)kv.Value.Object.DeepClone())];
                if (ns is not null && objects.TryGetValue($"/namespaces//{ns}", out var stored))
                {
                    namespaceObject = stored.Object;
                }
            }

            foreach (var webhook in configurations.SelectMany(c => c["webhooks"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (!Matches(webhook, kind, operation, namespaceObject, o))
                {
                    continue;
                }

                var hookName = webhook["name"]?.GetValue<string>() ?? "";
                JsonObject response;
                try
                {
                    response = await CallAsync(webhook, Review(kind, ns, name, o, old, operation));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or InvalidOperationException)
                {
                    if (webhook["failurePolicy"]?.GetValue<string>() == "Ignore")
                    {
                        continue;
                    }

                    return (o, (500, $"Internal error occurred: failed calling webhook \"{hookName}\": {ex.Message}"));
                }

                if (response["allowed"]?.GetValue<bool>() != true)
                {
                    var code = response["status"]?["code"]?.GetValue<int>() ?? 403;
                    return (o, (code, $"admission webhook \"{hookName}\" denied the request: {response["status"]?["message"]?.GetValue<string>() ?? "without explanation"}"));
                }

                if (phase.StartsWith("mutating", StringComparison.Ordinal) && response["patch"]?.GetValue<string>() is { } patch)
                {
                    o = ApplyJsonPatch(o, JsonNode.Parse(Convert.FromBase64String(patch))!.AsArray());
                }
            }
        }

        return (o, null);
    }

    private static bool Matches(JsonObject webhook, ApiKind kind, string operation, JsonObject? namespaceObject, JsonObject o)
    {
        static bool Has(JsonNode? list, string value) => list is JsonArray a && a.Any(v => v?.GetValue<string>() is { } s && (s == "*" || s == value));
        var ruleMatches = (webhook["rules"] as JsonArray ?? []).OfType<JsonObject>().Any(r =>
            Has(r["operations"], operation) && Has(r["apiGroups"], kind.Group) && Has(r["apiVersions"], kind.Version) && Has(r["resources"], kind.Plural));
        return ruleMatches
            && SelectorMatches(webhook["namespaceSelector"], namespaceObject?["metadata"]?["labels"] as JsonObject, kind.Namespaced)
            && SelectorMatches(webhook["objectSelector"], o["metadata"]?["labels"] as JsonObject, true);
    }

    /// <summary>matchLabels and the In/NotIn/Exists/DoesNotExist expressions; an empty selector matches everything.</summary>
    private static bool SelectorMatches(JsonNode? selector, JsonObject? labels, bool applies)
    {
        if (selector is not JsonObject s || !applies)
        {
            return true;
        }

        string? Label(string key) => labels?[key]?.GetValue<string>();
        foreach (var (key, value) in s["matchLabels"] as JsonObject ?? [])
        {
            if (Label(key) != value?.GetValue<string>())
            {
                return false;
            }
        }

        foreach (var expression in (s["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = expression["key"]!.GetValue<string>();
            var values = (expression["values"] as JsonArray ?? []).Select(v => v!.GetValue<string>()).ToList();
            var ok = expression["operator"]?.GetValue<string>() switch
            {
                "In" => Label(key) is { } v && values.Contains(v),
                "NotIn" => Label(key) is not { } v2 || !values.Contains(v2),
                "Exists" => Label(key) is not null,
                "DoesNotExist" => Label(key) is null,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static JsonObject Review(ApiKind kind, string? ns, string name, JsonObject o, JsonObject? old, string operation) => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = Guid.NewGuid().ToString(),
            ["kind"] = new JsonObject { ["group"] = kind.Group, ["version"] = kind.Version, ["kind"] = kind.Kind },
            ["resource"] = new JsonObject { ["group"] = kind.Group, ["version"] = kind.Version, ["resource"] = kind.Plural },
            ["requestKind"] = new JsonObject { ["group"] = kind.Group, ["version"] = kind.Version, ["kind"] = kind.Kind },
            ["name"] = name,
            ["namespace"] = ns,
            ["operation"] = operation,
            ["userInfo"] = new JsonObject { ["username"] = "kubernetes-admin", ["groups"] = new JsonArray("system:masters", "system:authenticated") },
            ["object"] = o.DeepClone(),
            ["oldObject"] = old?.DeepClone(),
            ["dryRun"] = false,
        },
    };

    private async Task<JsonObject> CallAsync(JsonObject webhook, JsonObject review)
    {
        Interlocked.Increment(ref admissionCalls);
        var url = webhook["clientConfig"]?["url"]?.GetValue<string>() ?? throw new InvalidOperationException("only clientConfig.url webhooks are called by the fake API server");
        var bundle = webhook["clientConfig"]?["caBundle"]?.GetValue<string>();
        var trusted = new X509Certificate2Collection();
        if (bundle is not null)
        {
            trusted.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(bundle)));
        }

        using var http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                // The API server trusts the caBundle alone for the webhook's certificate, and checks the name it called.
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        })
        { Timeout = TimeSpan.FromSeconds(webhook["timeoutSeconds"]?.GetValue<int>() ?? 10) };
        using var content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json");
        using var answer = await http.PostAsync(new Uri(url), content);
        answer.EnsureSuccessStatusCode();
        var body = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!.AsObject();
        var response = body["response"] as JsonObject ?? throw new InvalidOperationException("the AdmissionReview answer has no response");
        if (response["uid"]?.GetValue<string>() != review["request"]!["uid"]!.GetValue<string>())
        {
            throw new InvalidOperationException("the AdmissionReview answer's uid is not the request's");
        }

        return response;
    }

    /// <summary>RFC 6902 add, replace and remove (what webhooks send), by JSON Pointer.</summary>
    private static JsonObject ApplyJsonPatch(JsonObject target, JsonArray patch)
    {
        var root = (JsonObject)target.DeepClone();
        foreach (var op in patch.OfType<JsonObject>())
        {
            var path = op["path"]!.GetValue<string>().Split('/')[1..].Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
            JsonNode parent = root;
            foreach (var step in path[..^1])
            {
                parent = parent is JsonArray a ? a[int.Parse(step, System.Globalization.CultureInfo.InvariantCulture)]! : parent[step]!;
            }

            var last = path[^1];
            var value = op["value"]?.DeepClone();
            switch (op["op"]!.GetValue<string>(), parent)
            {
                case ("add", JsonArray array):
                    if (last == "-")
                    {
                        array.Add(value);
                    }
                    else
                    {
                        array.Insert(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture), value);
                    }

                    break;
                case ("add" or "replace", JsonObject o):
                    o[last] = value;
                    break;
                case ("replace", JsonArray array):
                    array[int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)] = value;
                    break;
                case ("remove", JsonObject o):
                    o.Remove(last);
                    break;
                case ("remove", JsonArray array):
                    array.RemoveAt(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    throw new InvalidOperationException($"JSON Patch op {op["op"]} is not supported by the fake");
            }
        }

        return root;
    }
}
