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
    /// <summary>Whether a resource in <paramref name="ns"/> can see this service (exportTo: empty or * = all, . = own).</summary>
    public bool VisibleTo(string ns) => Visibility.IsVisible(ExportTo, Namespace, ns);
}

internal sealed record ServicePortRecord(uint Number, string? Name, string? Protocol);
