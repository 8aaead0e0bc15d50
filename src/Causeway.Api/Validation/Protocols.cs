namespace Causeway.Api.Validation;

/// <summary>Istio's port protocols (ops/configuration/traffic-management/protocol-selection) and how names map to them.</summary>
public static class Protocols
{
    public static readonly IReadOnlyList<string> Known =
        ["HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "MYSQL", "REDIS", "TCP", "TLS", "UDP", "HBONE"];

    public static readonly IReadOnlyList<string> GatewayProtocols = ["HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP", "TLS"];

    public static bool IsKnown(string? protocol) => protocol is not null && Known.Contains(protocol.ToUpperInvariant());

    /// <summary>The protocol a Kubernetes port name declares (<c>&lt;protocol&gt;[-suffix]</c>), or null when it declares none.</summary>
    public static string? FromPortName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        var dash = name.IndexOf('-', StringComparison.Ordinal);
        var prefix = (dash < 0 ? name : name[..dash]).ToUpperInvariant();
        if (prefix == "GRPC" && name.StartsWith("grpc-web", StringComparison.OrdinalIgnoreCase))
        {
            return "GRPC-WEB";
        }

        return Known.Contains(prefix) ? prefix : null;
    }
}
