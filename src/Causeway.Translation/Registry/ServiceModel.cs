using Causeway.Api.Loading;

namespace Causeway.Translation.Registry;

/// <summary>A service in the mesh registry: one host of a ServiceEntry (later also a Kubernetes Service).</summary>
public sealed record ServiceModel(
    string Hostname,
    string Namespace,
    IReadOnlyList<ServicePortModel> Ports,
    IReadOnlyList<string> ExportTo,
    IReadOnlyList<string> Addresses,
    ServiceResolution Resolution,
    bool MeshInternal,
    LoadedResource? Source)
{
    public ServicePortModel? Port(uint number) => Ports.FirstOrDefault(p => p.Number == number);
}

/// <summary>A service port: number, name, protocol (upper case, e.g. HTTP, GRPC, TCP) and the port on endpoints.</summary>
public sealed record ServicePortModel(uint Number, string Name, string Protocol, uint TargetPort)
{
    /// <summary>HTTP-family ports get HTTP listeners and routes; everything else is TCP.</summary>
    public bool IsHttp => Protocol is "HTTP" or "HTTP2" or "GRPC" or "GRPC-WEB" or "";

    public bool ExplicitHttp => Protocol is "HTTP" or "HTTP2" or "GRPC" or "GRPC-WEB";
}

public enum ServiceResolution
{
    None,
    Static,
    Dns,
    DnsRoundRobin,
    DynamicDns,
}
