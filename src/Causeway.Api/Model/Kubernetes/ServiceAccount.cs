using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Kubernetes;

/// <summary>v1 ServiceAccount: a workload identity (the SPIFFE id is built from it).</summary>
public sealed class ServiceAccount : Resource;
