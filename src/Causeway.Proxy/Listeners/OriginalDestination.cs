using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Causeway.Proxy.Forwarding;
using Microsoft.AspNetCore.Http.Features;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// Where the client meant to connect before iptables redirected it to the proxy: Linux's SO_ORIGINAL_DST (from the
/// NAT connection tracking entry), as Envoy's original_dst listener filter reads it. Each connection carries it as an
/// <see cref="IOriginalDestinationFeature"/> that reads the socket only when an original destination cluster first
/// asks, so other traffic pays no system call.
/// </summary>
internal sealed class OriginalDestination(Socket? socket) : IOriginalDestinationFeature
{
    private bool read;
    private IPEndPoint? destination;

    public IPEndPoint? Destination
    {
        get
        {
            if (!read)
            {
                destination = socket is null ? null : Of(socket);
                read = true;
            }

            return destination;
        }
    }

    /// <summary>Puts the feature on a connection just accepted.</summary>
    public static void Attach(IFeatureCollection features) =>
        features.Set<IOriginalDestinationFeature>(new OriginalDestination(features.Get<IConnectionSocketFeature>()?.Socket));

    /// <summary>Puts the feature on a connection whose original destination is already known (a capture listener read it to dispatch).</summary>
    public static void Attach(IFeatureCollection features, IPEndPoint? known) =>
        features.Set<IOriginalDestinationFeature>(new OriginalDestination(null) { read = true, destination = known });

    private const int SolIp = 0;
    private const int SolIpv6 = 41;
    private const int SoOriginalDst = 80; // SO_ORIGINAL_DST and IP6T_SO_ORIGINAL_DST

    /// <summary>
    /// The original destination of a connection, or null when it was not redirected (the socket's own address:
    /// connecting there would loop back into the proxy).
    /// </summary>
    internal static IPEndPoint? Of(Socket socket)
    {
        if (socket.LocalEndPoint is not IPEndPoint local)
        {
            return null;
        }

        var original = Read(socket, local.AddressFamily);
        return original is null || original.Equals(local) ? null : original;
    }

    private static IPEndPoint? Read(Socket socket, AddressFamily family)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> address = stackalloc byte[28]; // sockaddr_in6 is the larger
        try
        {
            var mapped = family == AddressFamily.InterNetworkV6 && socket.DualMode;
            var length = socket.GetRawSocketOption(family == AddressFamily.InterNetworkV6 && !mapped ? SolIpv6 : SolIp, SoOriginalDst, address);
            return Parse(address[..length]);
        }
        catch (SocketException)
        {
            return null; // no NAT entry: the connection came straight to the proxy
        }
    }

    /// <summary>A sockaddr_in or sockaddr_in6 (family in host order, port in network order).</summary>
    internal static IPEndPoint? Parse(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 8)
        {
            return null;
        }

        var family = BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(sockaddr) : BinaryPrimitives.ReadUInt16BigEndian(sockaddr);
        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        return family switch
        {
            2 => new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), port),
            10 when sockaddr.Length >= 24 => new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16)), port),
            _ => null,
        };
    }
}
