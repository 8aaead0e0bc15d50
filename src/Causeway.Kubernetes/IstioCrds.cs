using System.Text.Json.Nodes;

namespace Causeway.Kubernetes;

/// <summary>
/// CustomResourceDefinitions for every Istio kind Causeway reads, with Istio's names, groups, short names and
/// categories, so Istio's own YAML and tools (kubectl get vs, kubectl apply of the samples) work unchanged. Every
/// version Istio serves is served (v1 stored; the others the same schema, as Istio's CRDs have no conversion). The
/// schema keeps unknown fields: the validating webhook judges the spec with Causeway's full validation, where a
/// structural schema could only check types.
/// </summary>
public static class IstioCrds
{
    private sealed record Crd(string Group, string Kind, string Plural, string[] ShortNames, string[] Versions);

    private static readonly string[] Networking = ["v1", "v1beta1", "v1alpha3"];
    private static readonly string[] Security = ["v1", "v1beta1"];

    private static readonly Crd[] All =
    [
        new("networking.istio.io", "VirtualService", "virtualservices", ["vs"], Networking),
        new("networking.istio.io", "DestinationRule", "destinationrules", ["dr"], Networking),
        new("networking.istio.io", "Gateway", "gateways", ["gw"], Networking),
        new("networking.istio.io", "ServiceEntry", "serviceentries", ["se"], Networking),
        new("networking.istio.io", "WorkloadEntry", "workloadentries", ["we"], Networking),
        new("networking.istio.io", "Sidecar", "sidecars", [], Networking),
        new("security.istio.io", "PeerAuthentication", "peerauthentications", ["pa"], Security),
        new("security.istio.io", "AuthorizationPolicy", "authorizationpolicies", ["ap"], Security),
        new("security.istio.io", "RequestAuthentication", "requestauthentications", ["ra"], Security),
        new("telemetry.istio.io", "Telemetry", "telemetries", ["telemetry"], ["v1", "v1alpha1"]),
    ];

    public static IEnumerable<JsonObject> Definitions() => All.Select(Definition);

    private static JsonObject Definition(Crd crd)
    {
        var versions = new JsonArray();
        foreach (var version in crd.Versions)
        {
            versions.Add((JsonNode)new JsonObject
            {
                ["name"] = version,
                ["served"] = true,
                ["storage"] = version == "v1",
                ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                ["schema"] = new JsonObject
                {
                    ["openAPIV3Schema"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["spec"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                            ["status"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                        },
                    },
                },
            });
        }

        var groupCategory = crd.Group.Replace('.', '-');
        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{crd.Plural}.{crd.Group}",
                ["labels"] = new JsonObject { ["app"] = "causeway", ["app.kubernetes.io/part-of"] = "causeway" },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = crd.Group,
                ["scope"] = "Namespaced",
                ["names"] = new JsonObject
                {
                    ["kind"] = crd.Kind,
                    ["listKind"] = crd.Kind + "List",
                    ["plural"] = crd.Plural,
                    ["singular"] = crd.Kind.ToLowerInvariant(),
                    ["shortNames"] = new JsonArray([.. crd.ShortNames.Select(s => (JsonNode?)JsonValue.Create(s))]),
                    ["categories"] = new JsonArray("istio-io", groupCategory),
                },
                ["versions"] = versions,
            },
        };
    }
}
