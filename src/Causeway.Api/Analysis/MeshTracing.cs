namespace Causeway.Api.Analysis;

/// <summary>
/// MeshConfig's tracing settings: <c>defaultConfig.tracing.sampling</c> (the percentage when a Telemetry does not
/// set <c>randomSamplingPercentage</c>; Istio's default 1), <c>defaultProviders.tracing</c> (providers that trace
/// every proxy without any Telemetry resource, and the provider of a Telemetry entry that names none) and the
/// OpenTelemetry <c>extensionProviders</c> (where each provider's collector is).
/// </summary>
public sealed record MeshTracing(double? DefaultSampling, IReadOnlyList<string> DefaultProviders, IReadOnlyDictionary<string, OtlpCollector> Providers)
{
    public static MeshTracing None { get; } = new(null, [], new Dictionary<string, OtlpCollector>());
}

/// <summary>
/// An <c>opentelemetry</c> extension provider: the collector's service and port, over OTLP/gRPC unless <c>http</c>
/// is set, then OTLP/HTTP at its path (default <c>/v1/traces</c>).
/// </summary>
public sealed record OtlpCollector(string Service, uint Port, string? HttpPath);
