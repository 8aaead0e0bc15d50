using Causeway.Api.Diagnostics;
using Causeway.Translation.Mesh;

namespace Causeway.ControlPlane.Config;

/// <summary>
/// One loaded state of the config source: the mesh built from every valid resource, and the messages about the
/// resources that were rejected (each on its own: a broken resource never takes its neighbours down).
/// </summary>
public sealed record ConfigGeneration(long Number, MeshState Mesh, IReadOnlyList<Diagnostic> Rejected, DateTimeOffset LoadedAt);
