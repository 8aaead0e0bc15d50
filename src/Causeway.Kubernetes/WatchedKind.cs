namespace Causeway.Kubernetes;

/// <summary>
/// One resource kind the control plane lists and watches: its API group, version, plural (the URL's resource
/// name) and kind (set on list items, which the API server sends without it).
/// </summary>
public sealed record WatchedKind(string Group, string Version, string Plural, string Kind, bool Namespaced = true)
{
    /// <summary>What istiod reads to build the mesh: the registry's Kubernetes kinds and every Istio kind Causeway runs.</summary>
    public static readonly IReadOnlyList<WatchedKind> Mesh =
    [
        new("", "v1", "namespaces", "Namespace", Namespaced: false),
        new("", "v1", "nodes", "Node", Namespaced: false),
        new("", "v1", "services", "Service"),
        new("", "v1", "pods", "Pod"),
        new("", "v1", "secrets", "Secret"),
        new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
        new("networking.istio.io", "v1", "virtualservices", "VirtualService"),
        new("networking.istio.io", "v1", "destinationrules", "DestinationRule"),
        new("networking.istio.io", "v1", "gateways", "Gateway"),
        new("networking.istio.io", "v1", "serviceentries", "ServiceEntry"),
        new("networking.istio.io", "v1", "workloadentries", "WorkloadEntry"),
        new("networking.istio.io", "v1", "sidecars", "Sidecar"),
        new("security.istio.io", "v1", "peerauthentications", "PeerAuthentication"),
        new("security.istio.io", "v1", "authorizationpolicies", "AuthorizationPolicy"),
        new("security.istio.io", "v1", "requestauthentications", "RequestAuthentication"),
        new("telemetry.istio.io", "v1", "telemetries", "Telemetry"),
    ];

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The collection's path across all namespaces: <c>/api/v1/pods</c>, <c>/apis/networking.istio.io/v1/gateways</c>.</summary>
    public string CollectionPath => Group.Length == 0 ? $"/api/{Version}/{Plural}" : $"/apis/{Group}/{Version}/{Plural}";

    /// <summary>One object's path, as its name in messages: the way <c>kubectl get --raw</c> would reach it.</summary>
    public string ObjectPath(string? ns, string name) =>
        Namespaced && !string.IsNullOrEmpty(ns)
            ? (Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}") + $"/namespaces/{ns}/{Plural}/{name}"
            : $"{CollectionPath}/{name}";

    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
