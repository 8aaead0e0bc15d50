using Causeway.Api.Model.Telemetry;
using Causeway.Translation.Mesh;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// How a proxy reports Istio's standard metrics, from Telemetry <c>metrics</c> overrides. As in Istio, the overrides of
/// every level that applies (root namespace, then namespace, then the workload's) are applied in order, each on top of
/// those before: <c>disabled</c> turns a metric off (or back on), a tag override REMOVEs a label or UPSERTs one (a
/// standard label's value replaced, or a new label). <c>match.metric</c> picks one metric or ALL_METRICS (the
/// default), <c>match.mode</c> the client side, the server side or both (the default). Everything off on both sides
/// becomes <see cref="ProxySnapshot.IstioMetricsDisabled"/>, which skips the work per request entirely.
/// </summary>
internal static class MetricsPolicy
{
    /// <summary>Istio's metrics in Telemetry API names; ALL_METRICS means each of these.</summary>
    private static readonly string[] All =
    [
        "REQUEST_COUNT", "REQUEST_DURATION", "REQUEST_SIZE", "RESPONSE_SIZE", "GRPC_REQUEST_MESSAGES", "GRPC_RESPONSE_MESSAGES",
        "TCP_OPENED_CONNECTIONS", "TCP_CLOSED_CONNECTIONS", "TCP_SENT_BYTES", "TCP_RECEIVED_BYTES",
    ];

    /// <summary>Per-request tag values a proxy keeps per side (the series key holds them without allocating).</summary>
    public const int MaxValuesPerSide = 4;

    public static (bool AllDisabled, MetricsCustomization? Customization) For(MeshState mesh, ProxyRequest proxy, IList<string> notices)
    {
        var client = new Dictionary<string, Shape>(StringComparer.Ordinal);
        var server = new Dictionary<string, Shape>(StringComparer.Ordinal);
        foreach (var telemetry in TelemetryScope.Hierarchy(mesh, proxy, spec => spec.Metrics is { Count: > 0 }))
        {
            var where = $"Telemetry {mesh.Names.NamespaceOf(telemetry)}/{telemetry.Name}";
            foreach (var over in telemetry.Spec.Metrics!.SelectMany(m => m.Overrides ?? []))
            {
                if (over.Match?.CustomMetric is { Length: > 0 } custom)
                {
                    notices.Add($"{where}: custom metric \"{custom}\" is not supported; the override is ignored");
                    continue;
                }

                var metrics = over.Match?.Metric is null or IstioMetric.AllMetrics ? All : [Name(over.Match.Metric.Value)];
                var mode = over.Match?.Mode ?? WorkloadMode.ClientAndServer;
                var sides = mode switch
                {
                    WorkloadMode.Client => [client],
                    WorkloadMode.Server => [server],
                    _ => new[] { client, server },
                };
                foreach (var side in sides)
                {
                    foreach (var metric in metrics)
                    {
                        var shape = side.TryGetValue(metric, out var s) ? s : side[metric] = new Shape();
                        shape.Disabled = over.Disabled ?? shape.Disabled;
                        foreach (var (tag, change) in over.TagOverrides ?? [])
                        {
                            shape.Tags[tag] = (change, where);
                        }
                    }
                }
            }
        }

        var customization = new MetricsCustomization { Client = Side(client, "client", notices), Server = Side(server, "server", notices) };
        var allDisabled = All.All(m => client.GetValueOrDefault(m)?.Disabled == true && server.GetValueOrDefault(m)?.Disabled == true);
        return (allDisabled, allDisabled || (customization.Client.Metrics.Count == 0 && customization.Server.Metrics.Count == 0) ? null : customization);
    }

    private static MetricSide Side(Dictionary<string, Shape> shapes, string name, IList<string> notices)
    {
        var side = new MetricSide();
        foreach (var metric in All.Where(shapes.ContainsKey))
        {
            var shape = shapes[metric];
            var compiled = new MetricShape { Metric = metric, Disabled = shape.Disabled };
            foreach (var (tag, (change, where)) in shape.Tags)
            {
                if (change.Operation == TagOperation.Remove)
                {
                    compiled.Removed.Add(tag);
                    continue;
                }

                if (!MetricTagExpression.TryParse(change.Value, out var value))
                {
                    notices.Add($"{where}: tagOverrides.{tag} of {metric}: the value \"{change.Value}\" is not an expression Causeway evaluates (a string literal, request.headers['name'], or one of {string.Join(", ", MetricTagExpression.Attributes.Order(StringComparer.Ordinal))}); the tag is left as it is");
                    continue;
                }

                var index = side.Values.IndexOf(value);
                if (index < 0)
                {
                    if (side.Values.Count == MaxValuesPerSide)
                    {
                        notices.Add($"{where}: tagOverrides.{tag} of {metric}: more than {MaxValuesPerSide} different tag values on the {name} side; the tag is left as it is");
                        continue;
                    }

                    side.Values.Add(value);
                    index = side.Values.Count - 1;
                }

                compiled.Upserted[tag] = index;
            }

            if (compiled.Disabled || compiled.Removed.Count > 0 || compiled.Upserted.Count > 0)
            {
                side.Metrics.Add(compiled);
            }
        }

        return side;
    }

    private static string Name(IstioMetric metric) => metric switch
    {
        IstioMetric.RequestCount => "REQUEST_COUNT",
        IstioMetric.RequestDuration => "REQUEST_DURATION",
        IstioMetric.RequestSize => "REQUEST_SIZE",
        IstioMetric.ResponseSize => "RESPONSE_SIZE",
        IstioMetric.TcpOpenedConnections => "TCP_OPENED_CONNECTIONS",
        IstioMetric.TcpClosedConnections => "TCP_CLOSED_CONNECTIONS",
        IstioMetric.TcpSentBytes => "TCP_SENT_BYTES",
        IstioMetric.TcpReceivedBytes => "TCP_RECEIVED_BYTES",
        IstioMetric.GrpcRequestMessages => "GRPC_REQUEST_MESSAGES",
        IstioMetric.GrpcResponseMessages => "GRPC_RESPONSE_MESSAGES",
        _ => "ALL_METRICS",
    };

    /// <summary>One metric on one side while the overrides are applied: disabled or not, and its tag changes by name.</summary>
    private sealed class Shape
    {
        public bool Disabled { get; set; }

        /// <summary>The last change per tag name, with the Telemetry resource it came from (for notices).</summary>
        public Dictionary<string, (TagOverride Change, string Where)> Tags { get; } = new(StringComparer.Ordinal);
    }
}
