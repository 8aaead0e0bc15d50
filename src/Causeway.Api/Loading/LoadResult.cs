using Causeway.Api.Diagnostics;

namespace Causeway.Api.Loading;

/// <summary>What loading produced: the resources that loaded and every message about the input.</summary>
public sealed class LoadResult
{
    public List<LoadedResource> Resources { get; } = [];

    /// <summary>
    /// Resources that had schema errors (reported in <see cref="Diagnostics"/>) but could still be bound without the
    /// offending fields. Never used to configure a proxy; analysis reads them, as istioctl analyze does.
    /// </summary>
    public List<LoadedResource> Partial { get; } = [];

    public List<Diagnostic> Diagnostics { get; } = [];

    public void Add(LoadResult other)
    {
        Resources.AddRange(other.Resources);
        Partial.AddRange(other.Partial);
        Diagnostics.AddRange(other.Diagnostics);
    }
}
