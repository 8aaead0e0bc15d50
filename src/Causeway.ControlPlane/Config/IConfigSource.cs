namespace Causeway.ControlPlane.Config;

/// <summary>
/// Where the control plane's config comes from: a watched YAML directory, or the Kubernetes API. Either gives the
/// current generation (valid resources built into a mesh, rejected ones with their messages) and says when it changes.
/// </summary>
public interface IConfigSource : IAsyncDisposable
{
    ConfigGeneration Current { get; }

    /// <summary>What is watched, as a user would name it: the directory's path, or the API server's address.</summary>
    string Location { get; }

    /// <summary>Raised after each load that changed something, with the new generation.</summary>
    event Action<ConfigGeneration>? Changed;
}
