using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Causeway.Protocol.V1;
using Causeway.Proxy.Security;
using Microsoft.AspNetCore.Http;

namespace Causeway.Proxy.Tests.Forwarding;

/// <summary>
/// x-forwarded-client-cert per side, as Istio configures Envoy's forward_client_cert_details: APPEND_FORWARD on a
/// sidecar's inbound side, SANITIZE_SET on gateways, SANITIZE (Envoy's default) on the outbound side.
/// </summary>
public sealed class ForwardedClientCertTests : IDisposable
{
    private readonly X509Certificate2 sleep = Certificate("CN=sleep,O=mesh", "spiffe://cluster.local/ns/foo/sa/sleep", "sleep.foo");
    private readonly X509Certificate2 httpbin = Certificate("", "spiffe://cluster.local/ns/foo/sa/httpbin", null);

    public void Dispose()
    {
        sleep.Dispose();
        httpbin.Dispose();
    }

    [Fact]
    public void The_element_has_envoys_keys_in_envoys_order()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(sleep.RawData));
        Assert.Equal(
            $"By=spiffe://cluster.local/ns/foo/sa/httpbin;Hash={hash};Subject=\"CN=sleep,O=mesh\";URI=spiffe://cluster.local/ns/foo/sa/sleep;DNS=sleep.foo",
            ForwardedClientCert.Element(sleep, httpbin));
    }

    [Fact]
    public void A_sidecar_inbound_appends_for_an_mtls_caller_and_forwards_unchanged_for_a_plaintext_one()
    {
        var came = Request("By=a;URI=b");
        Assert.StartsWith("By=a;URI=b,By=spiffe://cluster.local/ns/foo/sa/httpbin;", ForwardedClientCert.For(TrafficDirection.Inbound, came, sleep, httpbin), StringComparison.Ordinal);
        Assert.Equal("By=a;URI=b", ForwardedClientCert.For(TrafficDirection.Inbound, came, null, httpbin));
        Assert.Null(ForwardedClientCert.For(TrafficDirection.Inbound, Request(null), null, httpbin));
    }

    [Fact]
    public void A_gateway_replaces_the_header_with_its_clients_certificate_or_removes_it()
    {
        Assert.Null(ForwardedClientCert.For(TrafficDirection.GatewayIngress, Request("By=forged"), null, null));
        var set = ForwardedClientCert.For(TrafficDirection.GatewayIngress, Request("By=forged"), sleep, null);
        Assert.StartsWith("Hash=", set, StringComparison.Ordinal);
        Assert.DoesNotContain("forged", set, StringComparison.Ordinal);
    }

    [Fact]
    public void The_outbound_side_never_passes_an_applications_header_on() =>
        Assert.Null(ForwardedClientCert.For(TrafficDirection.Outbound, Request("By=forged"), sleep, httpbin));

    private static DefaultHttpContext Context(string? xfcc)
    {
        var ctx = new DefaultHttpContext();
        if (xfcc is not null)
        {
            ctx.Request.Headers[ForwardedClientCert.Header] = xfcc;
        }

        return ctx;
    }

    private static HttpRequest Request(string? xfcc) => Context(xfcc).Request;

    private static X509Certificate2 Certificate(string subject, string uri, string? dns)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(uri));
        if (dns is not null)
        {
            names.AddDnsName(dns);
        }

        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
    }
}
