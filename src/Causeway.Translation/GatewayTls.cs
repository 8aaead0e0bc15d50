using System.Text;
using Causeway.Api.Model.Kubernetes;
using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// The TLS a gateway listener terminates: one context per Gateway server whose tls mode is SIMPLE or MUTUAL, with
/// its certificate from <c>credentialName</c> (a Secret in the gateway workload's namespace, as Istio reads it:
/// <c>tls.crt</c>/<c>tls.key</c>/<c>ca.crt</c>, or <c>cert</c>/<c>key</c>/<c>cacert</c>, the CA also from a
/// <c>NAME-cacert</c> Secret) or from the <c>serverCertificate</c>/<c>privateKey</c>/<c>caCertificates</c> files,
/// which the proxy reads. A server whose certificate cannot be found is left out and said in a notice, as Envoy
/// never serves a filter chain whose secret has not arrived.
/// </summary>
internal static class GatewayTls
{
    /// <summary>The contexts of the servers that can be served; <paramref name="routeTableFor"/> (HTTPS) names each one's own route table.</summary>
    public static DownstreamTls? Build(MeshState mesh, ProxyRequest proxy, uint port, IEnumerable<(string Key, string Ns, Server Server)> servers, IList<string> notices, Func<(string Key, string Ns, Server Server), string>? routeTableFor = null)
    {
        var tls = new DownstreamTls();
        foreach (var (key, ns, server) in servers)
        {
            var where = $"gateway {key} server {server.Name ?? server.Port?.Name ?? ProxySnapshotBuilder.Port(port)}";
            var settings = server.Tls;
            if (settings?.Mode is not (ServerTlsMode.Simple or ServerTlsMode.Mutual))
            {
                if (settings?.Mode != ServerTlsMode.Passthrough)
                {
                    notices.Add($"{where}: tls mode {ModeName(settings?.Mode)} is not served yet (Causeway terminates SIMPLE and MUTUAL and passes PASSTHROUGH through); port {port} skips this server");
                }

                continue;
            }

            var context = new TlsServerContext
            {
                MinVersion = Version(settings.MinProtocolVersion),
                MaxVersion = Version(settings.MaxProtocolVersion),
                Origin = where,
            };
            context.CipherSuites.Add((settings.CipherSuites ?? []).SelectMany(TlsCipherSuiteNames.CodesOf).Select(c => (uint)c).Distinct());
            context.ServerNames.Add((server.Hosts ?? []).Select(h => ServerHost.Parse(h).Host).Distinct(StringComparer.Ordinal));
            if (!Certificate(mesh, proxy, settings, context, where, notices))
            {
                continue;
            }

            if (settings.Mode == ServerTlsMode.Mutual)
            {
                var ca = CaCertificates(mesh, proxy, settings);
                if (ca is null)
                {
                    notices.Add($"{where}: tls mode MUTUAL needs CA certificates (caCertificates, ca.crt in Secret {settings.CredentialName}, or Secret {settings.CredentialName}-cacert) and has none; port {port} skips this server");
                    continue;
                }

                context.RequireClientCertificate = true;
                context.CaCertificates = ca;
                context.SubjectAltNames.Add(settings.SubjectAltNames ?? []);
            }

            context.RouteTable = routeTableFor?.Invoke((key, ns, server)) ?? "";
            tls.Servers.Add(context);
        }

        return tls.Servers.Count > 0 ? tls : null;
    }

    private static bool Certificate(MeshState mesh, ProxyRequest proxy, ServerTlsSettings settings, TlsServerContext context, string where, IList<string> notices)
    {
        var credential = settings.CredentialName ?? settings.CredentialNames?.FirstOrDefault();
        if (!string.IsNullOrEmpty(credential) && !proxy.MayReadSecrets)
        {
            notices.Add($"{where}: credentialName {credential}: withheld, since this gateway did not authenticate to the control plane (start it with --token-file holding a token for namespace {proxy.Namespace}); server not served");
            return false;
        }

        if (!string.IsNullOrEmpty(credential))
        {
            var secret = FindSecret(mesh, proxy.Namespace, credential);
            var chain = secret is null ? null : CertificateChainOf(secret);
            var key = secret is null ? null : PrivateKeyOf(secret);
            if (chain is null || key is null)
            {
                notices.Add(secret is null
                    ? $"{where}: credentialName {credential}: no Secret {credential} in namespace {proxy.Namespace} (the gateway's namespace); server not served"
                    : $"{where}: credentialName {credential}: Secret {proxy.Namespace}/{credential} has no tls.crt/tls.key (or cert/key); server not served");
                return false;
            }

            context.CertificateChain = new PemSource { InlinePem = chain };
            context.PrivateKey = new PemSource { InlinePem = key };
            context.Origin = $"{where} (secret {proxy.Namespace}/{credential})";
            return true;
        }

        if (!string.IsNullOrEmpty(settings.ServerCertificate) && !string.IsNullOrEmpty(settings.PrivateKey))
        {
            context.CertificateChain = new PemSource { File = settings.ServerCertificate };
            context.PrivateKey = new PemSource { File = settings.PrivateKey };
            return true;
        }

        notices.Add($"{where}: tls mode {ModeName(settings.Mode)} needs credentialName or serverCertificate and privateKey; server not served");
        return false;
    }

    private static PemSource? CaCertificates(MeshState mesh, ProxyRequest proxy, ServerTlsSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.CaCertificates))
        {
            return new PemSource { File = settings.CaCertificates };
        }

        var credential = settings.CredentialName ?? settings.CredentialNames?.FirstOrDefault();
        if (string.IsNullOrEmpty(credential))
        {
            return null;
        }

        var inSecret = FindSecret(mesh, proxy.Namespace, credential) is { } secret ? CaCertificatesOf(secret) : null;
        var separate = FindSecret(mesh, proxy.Namespace, settings.CaCertCredentialName ?? credential + "-cacert");
        var pem = inSecret ?? (separate is null ? null : CaCertificatesOf(separate));
        return pem is null ? null : new PemSource { InlinePem = pem };
    }

    internal static Secret? FindSecret(MeshState mesh, string ns, string name) =>
        mesh.Resources.Select(r => r.Resource).OfType<Secret>()
            .FirstOrDefault(s => s.Name == name && mesh.Names.NamespaceOf(s) == ns);

    /// <summary>A credential Secret's certificate chain, as Istio reads it: <c>tls.crt</c>, or <c>cert</c> (generic form).</summary>
    internal static string? CertificateChainOf(Secret secret) => Value(secret, "tls.crt") ?? Value(secret, "cert");

    /// <summary>A credential Secret's private key: <c>tls.key</c>, or <c>key</c>.</summary>
    internal static string? PrivateKeyOf(Secret secret) => Value(secret, "tls.key") ?? Value(secret, "key");

    /// <summary>A credential Secret's CA certificates: <c>ca.crt</c>, or <c>cacert</c>.</summary>
    internal static string? CaCertificatesOf(Secret secret) => Value(secret, "ca.crt") ?? Value(secret, "cacert");

    /// <summary>A Secret's value as text: <c>stringData</c> as written, <c>data</c> decoded from base64.</summary>
    private static string? Value(Secret secret, string key)
    {
        if (secret.StringData?.GetValueOrDefault(key) is { Length: > 0 } text)
        {
            return text;
        }

        if (secret.Data?.GetValueOrDefault(key) is not { Length: > 0 } encoded)
        {
            return null;
        }

        var bytes = new byte[encoded.Length];
        return Convert.TryFromBase64String(encoded.Trim(), bytes, out var n) ? Encoding.UTF8.GetString(bytes, 0, n) : null;
    }

    private static TlsVersion Version(TlsProtocolVersion? version) => version switch
    {
        TlsProtocolVersion.TlsV10 => TlsVersion.TlsV10,
        TlsProtocolVersion.TlsV11 => TlsVersion.TlsV11,
        TlsProtocolVersion.TlsV12 => TlsVersion.TlsV12,
        TlsProtocolVersion.TlsV13 => TlsVersion.TlsV13,
        _ => TlsVersion.TlsAuto,
    };

    private static string ModeName(ServerTlsMode? mode) => mode switch
    {
        ServerTlsMode.Simple => "SIMPLE",
        ServerTlsMode.Mutual => "MUTUAL",
        ServerTlsMode.AutoPassthrough => "AUTO_PASSTHROUGH",
        ServerTlsMode.IstioMutual => "ISTIO_MUTUAL",
        ServerTlsMode.OptionalMutual => "OPTIONAL_MUTUAL",
        _ => "PASSTHROUGH",
    };
}
