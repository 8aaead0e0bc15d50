using BenchmarkDotNet.Attributes;
using Causeway.Proxy.Balancing;

namespace Causeway.Bench.HotPath;

/// <summary>
/// One host pick per request, for each of Istio's load balancers over 10 and 100 hosts (the consistent-hash ones
/// with a fresh hash each call, as each request brings its own key). No allocation is the target.
/// </summary>
[MemoryDiagnoser]
public class LoadBalancerBenchmarks
{
    private UpstreamEndpoint[] hosts = [];
    private RoundRobinBalancer roundRobin = null!;
    private LeastRequestBalancer leastRequest = null!;
    private RandomBalancer random = null!;
    private RingHashBalancer ringHash = null!;
    private MaglevBalancer maglev = null!;
    private ulong hash;

    [Params(10, 100)]
    public int Hosts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        hosts = Enumerable.Range(0, Hosts).Select(i => new UpstreamEndpoint(new Causeway.Protocol.V1.Endpoint { Address = $"10.0.{i / 250}.{i % 250 + 1}", Port = 9080, Weight = 1, Healthy = true })).ToArray();
        roundRobin = new RoundRobinBalancer();
        leastRequest = new LeastRequestBalancer(new Random(7));
        random = new RandomBalancer(new Random(7));
        ringHash = new RingHashBalancer(hosts, 1024);
        maglev = new MaglevBalancer(hosts, 65537);
    }

    [Benchmark(Baseline = true)]
    public UpstreamEndpoint? RoundRobin() => roundRobin.Pick(hosts, null, null);

    [Benchmark]
    public UpstreamEndpoint? LeastRequest() => leastRequest.Pick(hosts, null, null);

    [Benchmark]
    public UpstreamEndpoint? Random() => random.Pick(hosts, null, null);

    [Benchmark]
    public UpstreamEndpoint? RingHash() => ringHash.Pick(hosts, hash += 0x9E3779B97F4A7C15, null);

    [Benchmark]
    public UpstreamEndpoint? Maglev() => maglev.Pick(hosts, hash += 0x9E3779B97F4A7C15, null);
}
