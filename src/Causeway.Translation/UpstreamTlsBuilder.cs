using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// A DestinationRule's <c>tls</c> (ClientTLSSettings, after port-level and subset merging) as the TLS a cluster's
/// connections originate: SIMPLE and MUTUAL (istio.io "Egress TLS Origination"). The server name is <c>sni</c>, or
/// the service's host (Istio sends the request's Host with auto SNI; for a ServiceEntry's host the two agree; a
/// wildcard host sends none). The certificate is verified against <c>caCertificates</c>, or the system's roots when
/// none is given (Istio's VERIFY_CERTIFICATE_AT_CLIENT), and its name against <c>subjectAltNames</c>, else the server
/// name. <c>credentialName</c> is read from a Secret in the proxy's namespace, only for a proxy that authenticated for
/// it. DISABLE sends plaintext; ISTIO_MUTUAL and auto mTLS are <see cref="IstioMutual"/>.
/// </summary>
internal static class UpstreamTlsBuilder
{
    /// <summary>The sidecar label that says an endpoint speaks the mesh's mutual TLS (Istio's auto mTLS reads it).</summary>
    public const string TlsModeLabel = "security.istio.io/tlsMode";

    /// <summary>
    /// ISTIO_MUTUAL, or auto mTLS (no DestinationRule tls at all, and every endpoint labelled
    /// security.istio.io/tlsMode=istio, as Istio's injector labels pods with sidecars): the workload certificate, the
    /// mesh root, Istio's SNI outbound_.PORT_.SUBSET_.HOST, and the endpoints' SPIFFE identities as the names the
    /// server may carry (checked by their /ns/NS/sa/SA part under the mesh root, whatever the trust domain). Auto
    /// mTLS also reads the endpoints' PeerAuthentication, as Istio's does: a workload whose port is DISABLE gets
    /// plaintext. A cluster mixing such endpoints with others gets plaintext to all (Istio decides per endpoint).
    /// </summary>
    public static UpstreamTls? IstioMutual(MeshState mesh, Cluster cluster, ClientTlsSettings? tls, Registry.ServicePortModel port, string subset, IReadOnlyList<Registry.WorkloadInstance> endpoints)
    {
        var explicitly = tls?.Mode == ClientTlsMode.IstioMutual;
        var auto = tls?.Mode is null && endpoints.Count > 0 && endpoints.All(e =>
            e.Labels.TryGetValue(TlsModeLabel, out var m) && m == "istio" &&
            PeerAuthenticationPolicy.ModeFor(mesh, e.Namespace, e.Labels, port.Number, e.PortFor(port)) != MeshTlsMode.MeshTlsNone);
        if (!explicitly && !auto)
        {
            return null;
        }

        var upstream = new UpstreamTls
        {
            IstioMutual = true,
            Sni = tls?.Sni ?? $"outbound_.{port.Number}_.{subset}_.{cluster.Service}",
            Origin = $"cluster {cluster.Name} ({(explicitly ? "ISTIO_MUTUAL" : "auto mTLS")})",
        };
        upstream.SubjectAltNames.Add(tls?.SubjectAltNames is { Count: > 0 } sans
            ? sans
            : endpoints.Select(e => $"/ns/{e.Namespace}/sa/{(e.ServiceAccount.Length > 0 ? e.ServiceAccount : "default")}").Distinct().Order(StringComparer.Ordinal));
        return upstream;
    }

    public static UpstreamTls? Build(MeshState mesh, ProxyRequest proxy, Cluster cluster, ClientTlsSettings? tls, List<string> notices)
    {
        if (tls?.Mode is not (ClientTlsMode.Simple or ClientTlsMode.Mutual))
        {
            return null;
        }

        var where = $"cluster {cluster.Name} (DestinationRule {cluster.DestinationRule})";
        var upstream = new UpstreamTls
        {
            Sni = tls.Sni ?? (cluster.Service.StartsWith('*') ? "" : cluster.Service),
            InsecureSkipVerify = tls.InsecureSkipVerify ?? false,
            Origin = where,
        };
        upstream.SubjectAltNames.Add(tls.SubjectAltNames ?? []);
        if (!string.IsNullOrEmpty(tls.CaCertificates))
        {
            upstream.CaCertificates = new PemSource { File = tls.CaCertificates };
        }

        if (tls.Mode == ClientTlsMode.Mutual && !string.IsNullOrEmpty(tls.ClientCertificate))
        {
            upstream.ClientCertificate = new PemSource { File = tls.ClientCertificate };
            upstream.PrivateKey = new PemSource { File = tls.PrivateKey ?? "" };
        }

        if (!string.IsNullOrEmpty(tls.CredentialName))
        {
            FromSecret(mesh, proxy, tls.CredentialName, upstream, where, notices);
        }

        if (tls.Mode == ClientTlsMode.Mutual && upstream.ClientCertificate is null)
        {
            notices.Add($"{where}: tls mode MUTUAL without a client certificate (clientCertificate/privateKey or credentialName); the connection is made without one");
        }

        return upstream;
    }

    /// <summary>credentialName: the client certificate, key and CA from a Secret, as SDS delivers them to Envoy.</summary>
    private static void FromSecret(MeshState mesh, ProxyRequest proxy, string name, UpstreamTls upstream, string where, List<string> notices)
    {
        if (!proxy.MayReadSecrets)
        {
            notices.Add($"{where}: credentialName {name} withheld, since this proxy did not authenticate to the control plane for namespace {proxy.Namespace}; the server is verified against the system's roots");
            return;
        }

        if (GatewayTls.FindSecret(mesh, proxy.Namespace, name) is not { } secret)
        {
            notices.Add($"{where}: credentialName {name}: no Secret {name} in namespace {proxy.Namespace}");
            return;
        }

        if (GatewayTls.CertificateChainOf(secret) is { } chain && GatewayTls.PrivateKeyOf(secret) is { } key)
        {
            upstream.ClientCertificate = new PemSource { InlinePem = chain };
            upstream.PrivateKey = new PemSource { InlinePem = key };
        }

        if (GatewayTls.CaCertificatesOf(secret) is { } ca)
        {
            upstream.CaCertificates = new PemSource { InlinePem = ca };
        }
    }
}
