using System.Globalization;
using Causeway.Api.Analysis;
using Causeway.Translation.Mesh;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// Whether a proxy traces, as Istio's Telemetry API decides it: the most specific Telemetry with <c>tracing</c> wins
/// (selecting the workload, then its namespace, then the root namespace); its first entry applies. Without any,
/// MeshConfig <c>defaultProviders.tracing</c> traces every proxy. The provider is the entry's first, else the
/// mesh's default provider; the percentage is <c>randomSamplingPercentage</c>, else MeshConfig
/// <c>defaultConfig.tracing.sampling</c>, else Istio's 1%. <c>disableSpanReporting</c> keeps propagation but
/// reports nothing. The provider's collector comes from its <c>opentelemetry</c> extension provider.
/// </summary>
internal static class TracingPolicy
{
    public static TracingConfig? For(MeshState mesh, ProxyRequest proxy, IList<string> notices)
    {
        var settings = mesh.Settings.Tracing ?? MeshTracing.None;
        var chosen = TelemetryScope.MostSpecific(mesh, proxy, spec => spec.Tracing is { Count: > 0 });
        var entry = chosen?.Spec.Tracing![0];
        if (entry is null && settings.DefaultProviders.Count == 0)
        {
            return null;
        }

        var provider = entry?.Providers?.FirstOrDefault()?.Name ?? (settings.DefaultProviders.Count > 0 ? settings.DefaultProviders[0] : "");
        var config = new TracingConfig
        {
            SamplingPercent = Math.Clamp(entry?.RandomSamplingPercentage ?? settings.DefaultSampling ?? 1.0, 0, 100),
            Provider = provider,
            ReportSpans = entry?.DisableSpanReporting != true,
        };
        if (settings.Providers.TryGetValue(provider, out var collector))
        {
            var (host, port) = Resolve(mesh, collector);
            config.Collector = new UriBuilder(Uri.UriSchemeHttp, host, (int)port, collector.HttpPath ?? "").Uri.ToString().TrimEnd('/');
            config.CollectorGrpc = collector.HttpPath is null;
        }
        else if (provider.Length > 0 && settings.Providers.Count > 0)
        {
            notices.Add($"tracing provider \"{provider}\" is not an opentelemetry extensionProvider in the mesh config: spans go to the proxy's --tracing-endpoint, if any");
        }

        foreach (var (name, tag) in (entry?.CustomTags ?? []).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (Translate(name, tag) is { } custom)
            {
                config.CustomTags.Add(custom);
            }
            else
            {
                notices.Add($"tracing customTags.{name}: formatter tags are not supported; the tag is left out");
            }
        }

        return config;
    }

    /// <summary>
    /// Where to send spans: a registered service's first healthy instance (Envoy would balance over the service's
    /// cluster; one collector address is what an exporter takes), else the host name itself for DNS. The URL is built
    /// by UriBuilder, which brackets an IPv6 address.
    /// </summary>
    private static (string Host, uint Port) Resolve(MeshState mesh, OtlpCollector collector)
    {
        var service = mesh.Service(collector.Service.ToLowerInvariant()); // registry host names are lower case
        var port = service?.Port(collector.Port);
        var instance = service is null ? null : mesh.Registry.Instances(service).Where(i => i.Healthy).OrderBy(i => i.Address, StringComparer.Ordinal).FirstOrDefault();
        return instance is null || port is null ? (collector.Service, collector.Port) : (instance.Address, instance.PortFor(port));
    }

    private static CustomTag? Translate(string name, Api.Model.Telemetry.CustomTag tag) =>
        tag.Literal is { } literal ? new CustomTag { Name = name, Literal = literal.Value ?? "" }
        : tag.Environment is { Name: { Length: > 0 } env } e ? new CustomTag { Name = name, Environment = env, DefaultValue = e.DefaultValue ?? "" }
        : tag.Header is { Name: { Length: > 0 } header } h ? new CustomTag { Name = name, Header = header.ToLower(CultureInfo.InvariantCulture), DefaultValue = h.DefaultValue ?? "" }
        : null; // formatter tags (Envoy command operators) are not served yet
}
