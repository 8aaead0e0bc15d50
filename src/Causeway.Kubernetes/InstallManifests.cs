using System.Text;
using System.Text.Json.Nodes;

namespace Causeway.Kubernetes;

/// <summary>What <c>causeway install</c> puts in a cluster.</summary>
public sealed record InstallOptions
{
    public string Namespace { get; init; } = "causeway-system";

    public string Image { get; init; } = "causeway:latest";

    /// <summary>Control plane replicas: stateless, any of them serves any proxy.</summary>
    public int Replicas { get; init; } = 2;

    /// <summary>The mesh CA in Istio's cacerts layout (file name to PEM), shared by every replica through a Secret.</summary>
    public required IReadOnlyDictionary<string, string> Cacerts { get; init; }

    public bool IngressGateway { get; init; } = true;
}

/// <summary>
/// Everything a cluster needs to run Causeway, as objects in apply order: Istio's CRDs, the namespace, the control
/// plane's service account and RBAC (read what istiod reads, write resource status), the CA Secret (cacerts, as
/// Istio's plug-in CA), the control plane Deployment and its Service (15010 push, 15014 status, 443 webhooks), the
/// injection and validation webhooks with the CA's root as caBundle, and an ingress gateway Deployment and Service
/// (labels istio=ingressgateway, as Istio's samples select). Pure.
/// </summary>
public static class InstallManifests
{
    public static IReadOnlyList<JsonObject> Render(InstallOptions o)
    {
        var ns = o.Namespace;
        var service = $"causeway.{ns}.svc";
        var caBundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(o.Cacerts["root-cert.pem"]));
        var objects = new List<JsonObject>(IstioCrds.Definitions())
        {
            Parse($$$$$"""{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "{{{{{ns}}}}}", "labels": {"istio-injection": "disabled"}}}"""),
            Parse($$$$$"""{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "causeway", "namespace": "{{{{{ns}}}}}"}}"""),
            Parse($$$$$"""
                {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "causeway-control-plane"},
                 "rules": [
                   {"apiGroups": [""], "resources": ["services", "pods", "nodes", "namespaces", "secrets", "endpoints"], "verbs": ["get", "list", "watch"]},
                   {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]},
                   {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
                   {"apiGroups": ["networking.istio.io", "security.istio.io", "telemetry.istio.io"], "resources": ["*"], "verbs": ["get", "list", "watch"]},
                   {"apiGroups": ["networking.istio.io", "security.istio.io", "telemetry.istio.io"], "resources": ["*/status"], "verbs": ["get", "update", "patch"]}]}
                """),
            Parse($$$$$"""
                {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "causeway-control-plane"},
                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "causeway-control-plane"},
                 "subjects": [{"kind": "ServiceAccount", "name": "causeway", "namespace": "{{{{{ns}}}}}"}]}
                """),
        };

        var cacerts = new JsonObject();
        foreach (var (file, pem) in o.Cacerts)
        {
            cacerts[file] = Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));
        }

        objects.Add(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Secret", ["type"] = "Opaque",
            ["metadata"] = new JsonObject { ["name"] = "cacerts", ["namespace"] = ns },
            ["data"] = cacerts,
        });
        objects.Add(Parse($$$$$"""
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "causeway", "namespace": "{{{{{ns}}}}}", "labels": {"app": "causeway"}},
             "spec": {"replicas": {{{{{o.Replicas}}}}}, "selector": {"matchLabels": {"app": "causeway"}},
               "template": {"metadata": {"labels": {"app": "causeway", "sidecar.istio.io/inject": "false"}},
                 "spec": {"serviceAccountName": "causeway",
                   "containers": [{"name": "control-plane", "image": "{{{{{o.Image}}}}}", "command": ["causeway"],
                     "args": ["control-plane", "--kubernetes", "--push-address", "0.0.0.0:15010", "--status-address", "0.0.0.0:15014",
                              "--webhook-address", "0.0.0.0:15017", "--webhook-names", "{{{{{service}}}}},{{{{{service}}}}}.cluster.local",
                              "--ca-dir", "/etc/cacerts", "--inject-image", "{{{{{o.Image}}}}}", "--inject-control-plane", "http://{{{{{service}}}}}:15010"],
                     "ports": [{"name": "grpc-push", "containerPort": 15010}, {"name": "http-status", "containerPort": 15014}, {"name": "https-webhook", "containerPort": 15017}],
                     "readinessProbe": {"httpGet": {"path": "/ready", "port": 15014}, "periodSeconds": 3},
                     "securityContext": {"runAsUser": 1337, "runAsGroup": 1337, "runAsNonRoot": true, "readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
                     "volumeMounts": [{"name": "cacerts", "mountPath": "/etc/cacerts", "readOnly": true}]}],
                   "volumes": [{"name": "cacerts", "secret": {"secretName": "cacerts"}}]}}}}
            """));
        objects.Add(Parse($$$$$"""
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "causeway", "namespace": "{{{{{ns}}}}}", "labels": {"app": "causeway"}},
             "spec": {"selector": {"app": "causeway"}, "ports": [
               {"name": "grpc-push", "port": 15010}, {"name": "http-status", "port": 15014}, {"name": "https-webhook", "port": 443, "targetPort": 15017}]}}
            """));
        objects.Add(Parse($$$$$"""
            {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": {"name": "causeway-sidecar-injector"},
             "webhooks": [{"name": "sidecar-injector.istio.io", "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail", "reinvocationPolicy": "Never",
               "clientConfig": {"service": {"name": "causeway", "namespace": "{{{{{ns}}}}}", "path": "/inject", "port": 443}, "caBundle": "{{{{{caBundle}}}}}"},
               "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
               "namespaceSelector": {"matchLabels": {"istio-injection": "enabled"}},
               "objectSelector": {"matchExpressions": [{"key": "sidecar.istio.io/inject", "operator": "NotIn", "values": ["false"]}]}}]}
            """));
        objects.Add(Parse($$$$$"""
            {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "causeway-validator"},
             "webhooks": [{"name": "validation.istio.io", "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail",
               "clientConfig": {"service": {"name": "causeway", "namespace": "{{{{{ns}}}}}", "path": "/validate", "port": 443}, "caBundle": "{{{{{caBundle}}}}}"},
               "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["networking.istio.io", "security.istio.io", "telemetry.istio.io"], "apiVersions": ["*"], "resources": ["*"]}]}]}
            """));
        if (o.IngressGateway)
        {
            objects.Add(Parse($$$$$"""
                {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "causeway-ingressgateway", "namespace": "{{{{{ns}}}}}", "labels": {"istio": "ingressgateway"}},
                 "spec": {"replicas": 1, "selector": {"matchLabels": {"istio": "ingressgateway"}},
                   "template": {"metadata": {"labels": {"istio": "ingressgateway", "app": "istio-ingressgateway", "sidecar.istio.io/inject": "false"}},
                     "spec": {"containers": [{"name": "istio-proxy", "image": "{{{{{o.Image}}}}}", "command": ["causeway-proxy"],
                       "args": ["--role", "gateway", "--gateway-labels", "istio=ingressgateway,app=istio-ingressgateway", "--gateway-namespace", "{{{{{ns}}}}}",
                                "--control-plane", "http://{{{{{service}}}}}:15010", "--port-map", "80=8080", "--port-map", "443=8443", "--admin-port", "15000",
                                "--status-address", "0.0.0.0:15021"],
                       "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021}, "periodSeconds": 2},
                       "ports": [{"name": "http2", "containerPort": 8080}, {"name": "https", "containerPort": 8443}],
                       "securityContext": {"runAsUser": 1337, "runAsGroup": 1337, "runAsNonRoot": true, "readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}}}}
                """));
            objects.Add(Parse($$$$$"""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "istio-ingressgateway", "namespace": "{{{{{ns}}}}}", "labels": {"istio": "ingressgateway"}},
                 "spec": {"type": "LoadBalancer", "selector": {"istio": "ingressgateway"}, "ports": [
                   {"name": "http2", "port": 80, "targetPort": 8080}, {"name": "https", "port": 443, "targetPort": 8443}]}}
                """));
        }

        return objects;
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
