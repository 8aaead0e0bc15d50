using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Kubernetes;

/// <summary>v1 Node: its topology labels (region, zone) apply to the pods that run on it.</summary>
public sealed class Node : Resource;
