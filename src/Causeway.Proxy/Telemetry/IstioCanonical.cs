namespace Causeway.Proxy.Telemetry;

/// <summary>Istio's canonical names of a workload, as its metrics and traces use them.</summary>
internal static class IstioCanonical
{
    /// <summary>The <c>service.istio.io/canonical-name</c> label, else <c>app.kubernetes.io/name</c>, else <c>app</c>, else the workload's name.</summary>
    public static string ServiceOf(IDictionary<string, string> labels, string workload) =>
        labels.TryGetValue("service.istio.io/canonical-name", out var name) ? name
        : labels.TryGetValue("app.kubernetes.io/name", out var kubernetes) ? kubernetes
        : labels.TryGetValue("app", out var app) ? app
        : workload;
}
