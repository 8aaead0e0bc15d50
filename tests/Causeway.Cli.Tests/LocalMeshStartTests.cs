using System.Net;
using System.Net.Sockets;

namespace Causeway.Cli.Tests;

/// <summary>`causeway up` on addresses someone else holds.</summary>
[Collection(BookinfoAddresses.Name)]
public sealed class LocalMeshStartTests
{
    /// <summary>
    /// A sidecar that cannot bind its WorkloadEntry address must stop the start with the address named: reporting
    /// "mesh ready" without it would send the gateway's traffic to whatever holds the address (the demo test once got
    /// 404s from a stray proxy that way).
    /// </summary>
    [Fact]
    public void A_sidecar_address_held_by_another_process_stops_the_mesh_with_the_address_named()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Parse("127.0.10.3"), 9080)); // reviews-v1's address in samples/bookinfo
        squatter.Listen();

        var (code, stdout, stderr) = CausewayProcess.Run($"up samples/bookinfo --push-address 127.0.0.1:{CausewayProcess.FreePort()} --status-address 127.0.0.1:{CausewayProcess.FreePort()}");

        var output = $"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}"; // all of it when it fails: a crash shows its stack
        Assert.True(code == 1, output);
        Assert.False(stdout.Contains("mesh ready", StringComparison.Ordinal), output);
        Assert.True(stderr.Contains("cannot start: sidecar reviews-v1.bookinfo at 127.0.10.3", StringComparison.Ordinal), output);
        Assert.True(stderr.Contains("could not bind 127.0.10.3:9080", StringComparison.Ordinal), output);
    }

}
