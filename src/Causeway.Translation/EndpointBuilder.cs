using Causeway.Translation.Registry;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// The endpoints of a cluster: the service's instances, narrowed to a subset's labels, each at the port the
/// instance serves the service port on (WorkloadEntry ports by port name win over the ServiceEntry's targetPort).
/// </summary>
internal static class EndpointBuilder
{
    public static ClusterEndpoints Build(Cluster cluster, IReadOnlyList<WorkloadInstance> instances, ServicePortModel port, IReadOnlyDictionary<string, string>? subsetLabels)
    {
        var result = new ClusterEndpoints { Cluster = cluster.Name };
        foreach (var w in instances)
        {
            if (subsetLabels is not null && !ServiceEntryRegistry.Matches(subsetLabels, w.Labels))
            {
                continue;
            }

            var endpoint = new Endpoint
            {
                Address = w.Address,
                Port = w.PortFor(port),
                Locality = w.Locality,
                Weight = w.Weight,
                Healthy = w.Healthy,
                Workload = $"{w.Namespace}/{w.Name}",
            };
            foreach (var (k, v) in w.Labels)
            {
                endpoint.Labels[k] = v;
            }
            result.Endpoints.Add(endpoint);
        }

        return result;
    }
}
