using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Causeway.Proxy.Tests.Support;

/// <summary>
/// An HTTPS server on 127.0.0.1 with its own certificate (a stand-in for an external host, or a backend that
/// terminates TLS itself): HTTP/1.1 and h2 by ALPN, answering every request with its name and the SNI it was reached by.
/// </summary>
internal sealed class TlsBackend : IAsyncDisposable
{
    private readonly WebApplication app;
    private int requests;

    private TlsBackend(WebApplication app, string name, int port)
    {
        this.app = app;
        Name = name;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    public int Requests => Volatile.Read(ref requests);

    /// <summary>Starts the server; with <paramref name="clientCa"/> it requires a client certificate chaining to it (mutual TLS).</summary>
    public static async Task<TlsBackend> StartAsync(string name, (string CertificatePem, string KeyPem, X509Certificate2 Certificate) certificate, X509Certificate2? clientCa = null)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        using var pem = X509Certificate2.CreateFromPem(certificate.CertificatePem, certificate.KeyPem);
        var served = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port, l =>
        {
            l.Protocols = HttpProtocols.Http1AndHttp2;
            l.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
            {
                ServerCertificateSelector = (connection, serverName) =>
                {
                    connection!.Items["sni"] = serverName; // what the client asked for, for the answer
                    return served;
                },
                ClientCertificateMode = clientCa is null ? Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.NoCertificate : Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (presented, _, _) => TestCertificates.ChainsTo(presented, clientCa!),
            });
        }));
        var app = builder.Build();
        var backend = new TlsBackend(app, name, port);
        app.Run(ctx =>
        {
            Interlocked.Increment(ref backend.requests);
            ctx.Response.Headers["x-backend"] = name;
            var sni = ctx.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionItemsFeature>()?.Items["sni"];
            var client = ctx.Connection.ClientCertificate?.Subject;
            return ctx.Response.WriteAsync(client is null ? $"{name} sni={sni}" : $"{name} sni={sni} client={client}");
        });
        await app.StartAsync();
        return backend;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
