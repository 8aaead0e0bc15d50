using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Security;

/// <summary>
/// A listener's TLS, compiled once per snapshot: each Gateway server's certificate loaded (inline PEM or files read
/// now, so a bad certificate rejects the snapshot instead of failing handshakes) and picked per connection by SNI
/// as Envoy picks a filter chain: the exact name, then the longest wildcard suffix, then <c>*</c>, then the first.
/// </summary>
public sealed class ListenerTls
{
    private static readonly List<SslApplicationProtocol> HttpProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
    private readonly Context[] contexts;
    private readonly Routing.ServerNameTable<Context> names;
    private readonly bool http;

    public ListenerTls(DownstreamTls source, bool http)
    {
        this.http = http;
        contexts = source.Servers.Select(Compile).ToArray();
        if (contexts.Length == 0)
        {
            throw new InvalidOperationException("a TLS listener needs at least one server certificate");
        }

        names = new Routing.ServerNameTable<Context>(contexts.Select(c => ((IEnumerable<string>)c.Source.ServerNames, c)));
    }

    /// <summary>The handshake options for a client that sent this SNI (null or empty when it sent none), and the chosen server's route table (empty: the listener's).</summary>
    public SslServerAuthenticationOptions OptionsFor(string? serverName, out string routeTable)
    {
        var context = Select(serverName);
        routeTable = context.Source.RouteTable;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context.Certificate,
            EnabledSslProtocols = context.Protocols,
            ClientCertificateRequired = context.ClientCa is not null,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CipherSuitesPolicy = context.CipherSuites,
        };
        if (http)
        {
            options.ApplicationProtocols = HttpProtocols;
        }

        if (context.ClientCa is not null)
        {
            options.RemoteCertificateValidationCallback = context.ValidateClient;
        }

        return options;
    }

    private Context Select(string? serverName) => names.Select(serverName) ?? contexts[0];

    /// <summary>How specifically a terminating server names <paramref name="serverName"/> (see <see cref="Routing.ServerNameTable{T}.Select(string?, out int)"/>).</summary>
    internal int Rank(string? serverName)
    {
        names.Select(serverName, out var rank);
        return rank;
    }

    private static Context Compile(TlsServerContext source)
    {
        try
        {
            var chain = Pem(source.CertificateChain, "certificate");
            var key = Pem(source.PrivateKey, "private key");
            using var loaded = X509Certificate2.CreateFromPem(chain, key);
            // An exportable copy: a certificate built from PEM carries an ephemeral key that SslStream cannot use everywhere.
            var leaf = X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
            var intermediates = new X509Certificate2Collection();
            intermediates.ImportFromPem(chain);
            var extra = new X509Certificate2Collection(intermediates.Where(c => c.Thumbprint != leaf.Thumbprint).ToArray());
            var context = SslStreamCertificateContext.Create(leaf, extra, offline: true);
            X509Certificate2Collection? ca = null;
            if (source.RequireClientCertificate)
            {
                ca = [];
                ca.ImportFromPem(Pem(source.CaCertificates, "CA certificates"));
                if (ca.Count == 0)
                {
                    throw new InvalidOperationException("no certificate in the CA certificates");
                }
            }

            return new Context(source, context, Protocols(source), ca, CipherSuites(source));
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"{source.Origin}: {ex.Message}", ex);
        }
    }

    internal static string Pem(PemSource? source, string what) => source?.SourceCase switch
    {
        PemSource.SourceOneofCase.InlinePem => source.InlinePem,
        PemSource.SourceOneofCase.File => File.ReadAllText(source.File),
        _ => throw new InvalidOperationException($"no {what}"),
    };

    /// <summary>
    /// Istio's minProtocolVersion defaults to TLS 1.2 at gateways. TLS 1.0 and 1.1 are never offered (the platform's
    /// OpenSSL refuses them at its default security level), so a minimum below 1.2 means 1.2.
    /// </summary>
    private static SslProtocols Protocols(TlsServerContext source)
    {
        var min = source.MinVersion is TlsVersion.TlsAuto or < TlsVersion.TlsV12 ? TlsVersion.TlsV12 : source.MinVersion;
        var max = source.MaxVersion == TlsVersion.TlsAuto ? TlsVersion.TlsV13 : source.MaxVersion;
        var protocols = SslProtocols.None;
        if (min <= TlsVersion.TlsV12 && max >= TlsVersion.TlsV12)
        {
            protocols |= SslProtocols.Tls12;
        }

        if (max >= TlsVersion.TlsV13)
        {
            protocols |= SslProtocols.Tls13;
        }

        return protocols == SslProtocols.None ? throw new InvalidOperationException("maxProtocolVersion is below TLS 1.2, which is the lowest Causeway serves") : protocols;
    }

    /// <summary>
    /// The server's tls.cipherSuites for TLS 1.2, with TLS 1.3's three suites always allowed: Envoy cannot configure
    /// those either, and leaving them out would silently turn TLS 1.3 off. Null: the platform's defaults (and always
    /// on Windows, where SslStream takes no cipher suite list).
    /// </summary>
    private static CipherSuitesPolicy? CipherSuites(TlsServerContext source) =>
        source.CipherSuites.Count == 0 || OperatingSystem.IsWindows()
            ? null
            : new CipherSuitesPolicy([
                .. source.CipherSuites.Select(c => (TlsCipherSuite)c),
                TlsCipherSuite.TLS_AES_128_GCM_SHA256,
                TlsCipherSuite.TLS_AES_256_GCM_SHA384,
                TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
            ]);

    private sealed class Context(TlsServerContext source, SslStreamCertificateContext certificate, SslProtocols protocols, X509Certificate2Collection? clientCa, CipherSuitesPolicy? cipherSuites)
    {
        public CipherSuitesPolicy? CipherSuites { get; } = cipherSuites;

        public TlsServerContext Source { get; } = source;

        public SslStreamCertificateContext Certificate { get; } = certificate;

        public SslProtocols Protocols { get; } = protocols;

        public X509Certificate2Collection? ClientCa { get; } = clientCa;

        /// <summary>MUTUAL: the client's certificate must chain to the server's CA and carry an allowed SAN, if any are listed.</summary>
        public bool ValidateClient(object sender, X509Certificate? presented, X509Chain? presentedChain, SslPolicyErrors errors)
        {
            if (presented is null || ClientCa is null)
            {
                return false;
            }

            if (!CertificateChains.ChainsTo(presented, presentedChain, ClientCa))
            {
                return false;
            }

            var client = presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
            return Source.SubjectAltNames.Count == 0 || SubjectAltNames.Read(client).Any(Source.SubjectAltNames.Contains);
        }
    }
}
