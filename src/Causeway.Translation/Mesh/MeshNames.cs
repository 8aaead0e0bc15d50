using Causeway.Api.Model;
using Causeway.Api.Model.Common;

namespace Causeway.Translation.Registry;

/// <summary>The naming rules of a mesh: root namespace, cluster domain, and how short host names are qualified.</summary>
public sealed record MeshNames(string RootNamespace = IstioDefaults.RootNamespace, string ClusterDomain = IstioDefaults.ClusterDomain, string DefaultNamespace = "default")
{
    public string NamespaceOf(Resource r) => string.IsNullOrEmpty(r.Metadata.Namespace) ? DefaultNamespace : r.Metadata.Namespace;

    /// <summary>Istio: a host without dots is <c>host.namespace.svc.cluster.local</c> in the config's namespace.</summary>
    public string Fqdn(string host, string ns) =>
        host.StartsWith('*') || host.Contains('.', StringComparison.Ordinal) ? host.ToLowerInvariant() : $"{host}.{ns}.svc.{ClusterDomain}".ToLowerInvariant();
}
