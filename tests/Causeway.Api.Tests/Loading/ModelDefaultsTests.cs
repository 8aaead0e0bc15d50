using Causeway.Api.Model;
using Causeway.Api.Model.Networking;
using Causeway.Api.Tests.Support;

namespace Causeway.Api.Tests.Loading;

/// <summary>Istio's documented defaults are explicit in the model (istio-inventory.md section 1).</summary>
public class ModelDefaultsTests
{
    [Fact]
    public void Gateways_default_to_mesh()
    {
        var vs = (VirtualService)Yaml.Load(Yaml.VirtualService("hosts: [a]\nhttp:\n- route:\n  - destination: {host: a}\n")).Resources[0].Resource;
        Assert.Equal(["mesh"], vs.Spec.EffectiveGateways);
    }

    [Fact]
    public void Load_balancer_defaults_to_least_request_and_least_conn_means_least_request()
    {
        Assert.Equal(SimpleLb.LeastRequest, new LoadBalancerSettings().EffectiveSimple);
        Assert.Equal(SimpleLb.LeastRequest, new LoadBalancerSettings { Simple = SimpleLb.LeastConn }.EffectiveSimple);
        Assert.Equal(SimpleLb.RoundRobin, new LoadBalancerSettings { Simple = SimpleLb.RoundRobin }.EffectiveSimple);
    }

    [Fact]
    public void Outlier_detection_defaults_are_Istios()
    {
        var od = new OutlierDetection();
        Assert.Equal(5u, od.EffectiveConsecutive5xxErrors);
        Assert.Equal(TimeSpan.FromSeconds(10), od.EffectiveInterval.Value);
        Assert.Equal(TimeSpan.FromSeconds(30), od.EffectiveBaseEjectionTime.Value);
        Assert.Equal(10, od.EffectiveMaxEjectionPercent);
        Assert.Equal(0, od.EffectiveMinHealthPercent);
    }

    [Fact]
    public void Redirect_code_defaults_to_301() => Assert.Equal(301u, new HttpRedirect().EffectiveRedirectCode);

    [Fact]
    public void Default_retry_policy_is_two_attempts_without_503() =>
        Assert.Equal((2, false), (IstioDefaults.RetryAttempts, IstioDefaults.RetryOn.Contains("503", StringComparison.Ordinal)));
}
