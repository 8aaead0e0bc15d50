using Causeway.Api.Loading;

namespace Causeway.Api.Analysis;

/// <summary>A service known to the mesh: a Kubernetes Service or one host of a ServiceEntry.</summary>
internal sealed record ServiceRecord(
    string Host,
    string Namespace,
    IReadOnlyList<ServicePortRecord> Ports,
    IReadOnlyList<string> ExportTo,
    IReadOnlyDictionary<string, string>? Selector,
    LoadedResource Source)
{
    public bool ExportsToAll => ExportTo.Count == 0 || ExportTo.Contains("*");

    /// <summary>Exported to exactly this namespace (by name, or by "." when it is the service's own).</summary>
    public bool ExportedTo(string ns) => ExportTo.Contains(ns) || (ns == Namespace && ExportTo.Contains("."));
}

internal sealed record ServicePortRecord(uint Number, string? Name, string? Protocol);
