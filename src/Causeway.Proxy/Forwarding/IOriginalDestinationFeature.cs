using System.Net;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// Where the client meant to connect before an iptables redirect brought it to the proxy, as the listener that
/// accepted the connection knows it: what original-destination clusters (PassthroughCluster, resolution NONE) send to.
/// </summary>
public interface IOriginalDestinationFeature
{
    /// <summary>The original destination, or null when the connection was not redirected.</summary>
    IPEndPoint? Destination { get; }
}
