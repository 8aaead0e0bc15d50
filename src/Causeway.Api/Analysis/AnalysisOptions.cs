using Causeway.Api.Model;

namespace Causeway.Api.Analysis;

/// <summary>Settings the analysis needs that are not in the resources themselves (mesh config and defaults).</summary>
public sealed class AnalysisOptions
{
    /// <summary>Namespace of resources that do not set one (istioctl analyze uses the current kube context's, usually "default").</summary>
    public string DefaultNamespace { get; init; } = "default";

    public string RootNamespace { get; init; } = IstioDefaults.RootNamespace;

    public string ClusterDomain { get; init; } = IstioDefaults.ClusterDomain;

    /// <summary>Mesh DNS proxying with auto-allocation gives ServiceEntries addresses, so IST0134 does not apply.</summary>
    public bool DnsAutoAllocate { get; init; }

    /// <summary>The clock certificate expiry is judged against (injected for tests).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
