using System.Globalization;
using Causeway.Translation.Registry;

namespace Causeway.Translation;

/// <summary>
/// The Host/:authority values that reach a service through a sidecar, as Istio generates them: the FQDN, and for
/// Kubernetes-style names (<c>name.ns.svc.cluster.local</c>) the shorter forms a client may use (<c>name</c> only from
/// the same namespace), each with and without <c>:port</c>; plus the service's addresses. The FQDN also with a trailing
/// dot (<c>reviews.default.svc.cluster.local.</c>, the absolute DNS form a client may send), as recent Istio adds it.
/// </summary>
internal static class HostDomains
{
    public static List<string> For(ServiceModel service, uint port, string proxyNamespace, string clusterDomain)
    {
        var p = port.ToString(CultureInfo.InvariantCulture);
        var names = new List<string> { service.Hostname };
        if (!service.Hostname.StartsWith('*') && !service.Hostname.EndsWith('.'))
        {
            names.Add(service.Hostname + ".");
        }

        var suffix = ".svc." + clusterDomain;
        if (service.Hostname.EndsWith(suffix, StringComparison.Ordinal))
        {
            var parts = service.Hostname[..^suffix.Length].Split('.');
            if (parts.Length == 2)
            {
                var (name, ns) = (parts[0], parts[1]);
                names.Add($"{name}.{ns}.svc");
                names.Add($"{name}.{ns}");
                if (ns == proxyNamespace)
                {
                    names.Add(name);
                }
            }
        }

        names.AddRange(service.Addresses.Where(a => !a.Contains('/', StringComparison.Ordinal)));
        var domains = new List<string>(names.Count * 2);
        foreach (var n in names)
        {
            domains.Add(n);
            domains.Add(n + ":" + p);
        }

        return domains;
    }
}
