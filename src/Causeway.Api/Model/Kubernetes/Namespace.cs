using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Kubernetes;

/// <summary>v1 Namespace: its labels (injection, ambient mode) are what a mesh reads.</summary>
public sealed class Namespace : Resource;
