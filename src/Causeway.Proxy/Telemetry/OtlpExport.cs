using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// The OpenTelemetry SDK exporting one proxy's spans over OTLP with a batch processor. Only this type names the SDK,
/// and it exists only while a collector is configured, so a proxy that does not trace never loads or starts the SDK
/// (under the JIT its assemblies are not even loaded).
/// </summary>
internal sealed class OtlpExport : IDisposable
{
    private readonly TracerProvider provider;

    public OtlpExport(string source, string serviceName, Uri endpoint, bool grpc) =>
        provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(source)
            .SetSampler(new AlwaysOnSampler()) // the proxy decides sampling itself, per Istio's rules
            .ConfigureResource(r => r.AddService(serviceName))
            .AddOtlpExporter(o =>
            {
                o.Endpoint = endpoint;
                o.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
            })
            .Build();

    /// <summary>Sends what is queued (waiting up to 2 s), then stops.</summary>
    public void Dispose()
    {
        provider.ForceFlush(2000);
        provider.Dispose();
    }
}
