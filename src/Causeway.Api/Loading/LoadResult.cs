using Causeway.Api.Diagnostics;

namespace Causeway.Api.Loading;

/// <summary>What loading produced: the resources that loaded and every message about the input.</summary>
public sealed class LoadResult
{
    public List<LoadedResource> Resources { get; } = [];

    public List<Diagnostic> Diagnostics { get; } = [];

    public void Add(LoadResult other)
    {
        Resources.AddRange(other.Resources);
        Diagnostics.AddRange(other.Diagnostics);
    }
}
