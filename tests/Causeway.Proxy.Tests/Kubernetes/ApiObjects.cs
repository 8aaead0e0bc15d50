namespace Causeway.Proxy.Tests.Kubernetes;

/// <summary>Kubernetes objects as controllers write them (Pods with status, EndpointSlices), and a kubeconfig for the fake API server.</summary>
internal static class ApiObjects
{
    public static string Kubeconfig(Uri server) => $"""
        apiVersion: v1
        kind: Config
        clusters: [{"{"}name: fake, cluster: {"{"}server: "{server}"{"}"}{"}"}]
        users: [{"{"}name: tester, user: {"{"}token: not-checked{"}"}{"}"}]
        contexts: [{"{"}name: fake, context: {"{"}cluster: fake, user: tester{"}"}{"}"}]
        current-context: fake
        """;

    public static string Pod(string name, string ip, string app, bool ready, string? version = null) => $$$$"""
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "{{{{name}}}}", "namespace": "default", "labels": {{{{Labels(app, version)}}}}},
         "spec": {"serviceAccountName": "{{{{app}}}}", "nodeName": "node-1", "containers": [{"name": "{{{{app}}}}", "image": "example/{{{{app}}}}", "ports": [{"name": "http", "containerPort": 9080}]}]},
         "status": {"phase": "Running", "podIP": "{{{{ip}}}}", "podIPs": [{"ip": "{{{{ip}}}}"}], "conditions": [{"type": "Ready", "status": "{{{{(ready ? "True" : "False")}}}}"}]}}
        """;

    public static string Labels(string app, string? version) =>
        version is null ? $"{{\"app\": \"{app}\"}}" : $"{{\"app\": \"{app}\", \"version\": \"{version}\"}}";

    public static string Slice(string name, int port, params (string Address, string Pod, bool Ready)[] endpoints) => $$$$"""
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": {"name": "{{{{name}}}}", "namespace": "default", "labels": {"kubernetes.io/service-name": "reviews"}},
         "addressType": "IPv4", "ports": [{"name": "http", "port": {{{{port}}}}, "protocol": "TCP"}],
         "endpoints": [{{{{string.Join(",", endpoints.Select(e =>
             $$$$"""{"addresses": ["{{{{e.Address}}}}"], "conditions": {"ready": {{{{(e.Ready ? "true" : "false")}}}}, "serving": {{{{(e.Ready ? "true" : "false")}}}}}, "targetRef": {"kind": "Pod", "name": "{{{{e.Pod}}}}", "namespace": "default"}}"""))}}}}]}
        """;
}
