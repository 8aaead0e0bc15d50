using System.Net;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Balancing;

/// <summary>
/// One upstream host of a cluster with its live state (requests in flight). The state object is kept across
/// snapshots while the host stays, so balancing and (later) outlier detection carry on undisturbed.
/// </summary>
public sealed class UpstreamEndpoint(Endpoint source)
{
    private int active;

    public Endpoint Source { get; private set; } = source;

    public string Address => Source.Address;

    public uint Port => Source.Port;

    /// <summary>host:port, IPv6 bracketed: the key that identifies the host across snapshots.</summary>
    public string Key { get; } = Format(source.Address, source.Port);

    /// <summary>
    /// The upstream URI for a request target. Canonicalization is off: the path goes upstream byte for byte as
    /// routing saw it (percent-encoding, dot segments), and skipping it makes building the URI cheap. The last URI
    /// built is kept and handed out again for the same target: parsing one costs about 5,000 instructions of the
    /// 87,000 a proxied request took (callgrind, 1 KB GETs), and a host often serves one path many times in a row.
    /// </summary>
    public Uri UriFor(string pathAndQuery)
    {
        if (Volatile.Read(ref lastUri) is { } last && string.Equals(last.PathAndQuery, pathAndQuery, StringComparison.Ordinal))
        {
            return last.Uri;
        }

        var uri = new Uri(string.Concat(origin, pathAndQuery), in RawUri);
        Volatile.Write(ref lastUri, new BuiltUri(pathAndQuery, uri));
        return uri;
    }

    private sealed record BuiltUri(string PathAndQuery, Uri Uri);

    private BuiltUri? lastUri;

    private static readonly UriCreationOptions RawUri = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private readonly string origin = "http://" + Format(source.Address, source.Port);

    public int Weight => (int)Math.Max(1, Source.Weight);

    public bool Healthy => Source.Healthy;

    public int ActiveRequests => Volatile.Read(ref active);

    /// <summary>Outlier detection's view of this host.</summary>
    public HostHealth Health { get; } = new();

    public void Begin() => Interlocked.Increment(ref active);

    public void End() => Interlocked.Decrement(ref active);

    /// <summary>Takes the new snapshot's description of the same host (labels, weight, health may change).</summary>
    public void Update(Endpoint source) => Source = source;

    public static string Format(string address, uint port) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{address}]:{port}"
            : $"{address}:{port}";
}
