using System.Text.Json.Serialization;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Networking;

/// <summary>networking.istio.io Gateway: a load balancer at the edge of the mesh.</summary>
public sealed class Gateway : Resource<GatewaySpec>;

public sealed class GatewaySpec
{
    public List<Server>? Servers { get; set; }

    /// <summary>Workload labels; searched across all namespaces (Istio's default).</summary>
    public Dictionary<string, string>? Selector { get; set; }
}

public sealed class Server
{
    public GatewayPort? Port { get; set; }

    public string? Bind { get; set; }

    /// <summary><c>[namespace/]dnsName</c>; the namespace defaults to <c>*</c>.</summary>
    public List<string>? Hosts { get; set; }

    public ServerTlsSettings? Tls { get; set; }

    public string? DefaultEndpoint { get; set; }

    public string? Name { get; set; }
}

/// <summary>A port with a protocol (Istio's <c>Port</c>, used by Gateway and ServiceEntry).</summary>
public sealed class GatewayPort
{
    public uint? Number { get; set; }

    /// <summary>HTTP|HTTPS|GRPC|GRPC-WEB|HTTP2|MONGO|TCP|TLS (case-insensitive).</summary>
    public string? Protocol { get; set; }

    public string? Name { get; set; }

    /// <summary>Deprecated on Gateway; on ServiceEntry, the port on the endpoint (defaults to number).</summary>
    public uint? TargetPort { get; set; }
}

public sealed class ServerTlsSettings
{
    public bool? HttpsRedirect { get; set; }

    public ServerTlsMode? Mode { get; set; }

    public string? ServerCertificate { get; set; }

    public string? PrivateKey { get; set; }

    public string? CaCertificates { get; set; }

    public string? CaCrl { get; set; }

    public string? CredentialName { get; set; }

    public List<string>? CredentialNames { get; set; }

    public List<TlsCertificate>? TlsCertificates { get; set; }

    public List<string>? SubjectAltNames { get; set; }

    public List<string>? VerifyCertificateSpki { get; set; }

    public List<string>? VerifyCertificateHash { get; set; }

    /// <summary>Defaults to TLSV1_2.</summary>
    public TlsProtocolVersion? MinProtocolVersion { get; set; }

    public TlsProtocolVersion? MaxProtocolVersion { get; set; }

    public List<string>? CipherSuites { get; set; }

    public string? CaCertCredentialName { get; set; }

    public bool? InsecureSkipVerify { get; set; }
}

public sealed class TlsCertificate
{
    public string? ServerCertificate { get; set; }

    public string? PrivateKey { get; set; }

    public string? CaCertificates { get; set; }
}

public enum ServerTlsMode
{
    [JsonStringEnumMemberName("PASSTHROUGH")]
    Passthrough,
    [JsonStringEnumMemberName("SIMPLE")]
    Simple,
    [JsonStringEnumMemberName("MUTUAL")]
    Mutual,
    [JsonStringEnumMemberName("AUTO_PASSTHROUGH")]
    AutoPassthrough,
    [JsonStringEnumMemberName("ISTIO_MUTUAL")]
    IstioMutual,
    [JsonStringEnumMemberName("OPTIONAL_MUTUAL")]
    OptionalMutual,
}

public enum TlsProtocolVersion
{
    [JsonStringEnumMemberName("TLS_AUTO")]
    TlsAuto,
    [JsonStringEnumMemberName("TLSV1_0")]
    TlsV10,
    [JsonStringEnumMemberName("TLSV1_1")]
    TlsV11,
    [JsonStringEnumMemberName("TLSV1_2")]
    TlsV12,
    [JsonStringEnumMemberName("TLSV1_3")]
    TlsV13,
}
