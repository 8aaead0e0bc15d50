using Causeway.Protocol.V1;

namespace Causeway.Proxy.Routing;

/// <summary>One weighted destination of a route, with its header operations compiled.</summary>
public sealed class RouteDestination(WeightedCluster source)
{
    public string Cluster { get; } = source.Cluster;

    public uint Weight { get; } = source.Weight;

    public HeaderEdits? RequestHeaders { get; } = HeaderEdits.Compile(source.RequestHeaders);

    public HeaderEdits? ResponseHeaders { get; } = HeaderEdits.Compile(source.ResponseHeaders);
}
