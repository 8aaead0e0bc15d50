namespace Causeway.Api.Loading;

/// <summary>
/// Which kinds Causeway reads, by API group and kind. networking.istio.io kinds share one schema across v1, v1beta1
/// and v1alpha3, as Istio's CRDs do.
/// </summary>
internal static class KindRegistry
{
    private static readonly string[] NetworkingVersions = ["v1", "v1beta1", "v1alpha3"];
    private static readonly string[] SecurityVersions = ["v1", "v1beta1"];
    private static readonly string[] TelemetryVersions = ["v1", "v1alpha1"];
    private static readonly string[] CoreVersions = ["v1"];

    private static readonly Dictionary<(string Group, string Kind), KindInfo> Kinds = Build();

    /// <summary>Kinds of Istio's API that Causeway deliberately does not implement, with the reason a user sees.</summary>
    private static readonly Dictionary<(string Group, string Kind), string> Unsupported = new()
    {
        [("networking.istio.io", "EnvoyFilter")] = "EnvoyFilter patches Envoy's own configuration, which Causeway does not use; it is ignored",
        [("networking.istio.io", "ProxyConfig")] = "ProxyConfig tunes Envoy bootstrap settings; it is ignored",
        [("extensions.istio.io", "WasmPlugin")] = "Wasm plugins are not supported; the resource is ignored",
    };

    public static IEnumerable<KindInfo> All => Kinds.Values;

    public static KindInfo? Find(string group, string kind) => Kinds.GetValueOrDefault((group, kind));

    public static string? UnsupportedReason(string group, string kind) => Unsupported.GetValueOrDefault((group, kind));

    private static Dictionary<(string, string), KindInfo> Build()
    {
        var c = ModelJsonContext.Default;
        KindInfo[] kinds =
        [
            new("networking.istio.io", "VirtualService", NetworkingVersions, c.VirtualService, true),
            new("networking.istio.io", "DestinationRule", NetworkingVersions, c.DestinationRule, true),
            new("networking.istio.io", "Gateway", NetworkingVersions, c.Gateway, true),
            new("networking.istio.io", "ServiceEntry", NetworkingVersions, c.ServiceEntry, true),
            new("networking.istio.io", "WorkloadEntry", NetworkingVersions, c.WorkloadEntry, true),
            new("networking.istio.io", "WorkloadGroup", NetworkingVersions, c.WorkloadGroup, true),
            new("networking.istio.io", "Sidecar", NetworkingVersions, c.Sidecar, true),
            new("security.istio.io", "PeerAuthentication", SecurityVersions, c.PeerAuthentication, true),
            new("security.istio.io", "AuthorizationPolicy", SecurityVersions, c.AuthorizationPolicy, true),
            new("security.istio.io", "RequestAuthentication", SecurityVersions, c.RequestAuthentication, true),
            new("telemetry.istio.io", "Telemetry", TelemetryVersions, c.Telemetry, true),
            new("", "Service", CoreVersions, c.Service, false),
            new("", "Endpoints", CoreVersions, c.Endpoints, false),
            new("discovery.k8s.io", "EndpointSlice", CoreVersions, c.EndpointSlice, false),
            new("", "Pod", CoreVersions, c.Pod, false),
            new("apps", "Deployment", CoreVersions, c.Deployment, false),
            new("", "ServiceAccount", CoreVersions, c.ServiceAccount, false),
            new("", "Namespace", CoreVersions, c.Namespace, false),
            new("", "Secret", CoreVersions, c.Secret, false),
            new("", "Node", CoreVersions, c.Node, false),
        ];
        return kinds.ToDictionary(k => (k.Group, k.Kind));
    }
}
