using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace Causeway.Kubernetes;

/// <summary>
/// How the control plane reaches the API server: from inside a pod (the service account's token and CA, as
/// istiod does) or through a kubeconfig file. The official client does the configuration, authentication and TLS;
/// its HttpClient is what list and watch use.
/// </summary>
public sealed class KubernetesConnection : IDisposable
{
    private readonly k8s.Kubernetes client;

    private KubernetesConnection(KubernetesClientConfiguration config)
    {
        // Watches are long requests, ended by the server's timeoutSeconds or by us: no client-wide timeout.
        client = new k8s.Kubernetes(config);
        client.HttpClient.Timeout = Timeout.InfiniteTimeSpan;
        Server = client.BaseUri;
    }

    public Uri Server { get; }

    public HttpClient Http => client.HttpClient;

    /// <summary>Sends a JSON body to an API path (create, replace, patch, review); the caller reads and disposes the answer.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode body, CancellationToken cancel, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(Server, path)) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, contentType) };
        return await Http.SendAsync(request, cancel).ConfigureAwait(false);
    }

    /// <summary>In a pod: the mounted service account; otherwise the kubeconfig given, or KUBECONFIG, or ~/.kube/config.</summary>
    public static KubernetesConnection Create(string? kubeconfig = null)
    {
        if (kubeconfig is null && KubernetesClientConfiguration.IsInCluster())
        {
            return new KubernetesConnection(KubernetesClientConfiguration.InClusterConfig());
        }

        var path = kubeconfig ?? Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator).FirstOrDefault(p => p.Length > 0);
        return new KubernetesConnection(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
    }

    public void Dispose() => client.Dispose();
}
