using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Causeway.Kubernetes;

/// <summary>
/// The control plane's admission webhook endpoint (istiod's port 15017), HTTPS with a certificate from the mesh CA
/// whose root is the webhook configurations' caBundle: POST /validate (Istio kinds) and POST /inject (pods).
/// </summary>
public sealed class WebhookServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private WebhookServer(WebApplication app, int port)
    {
        this.app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<WebhookServer> StartAsync(IPEndPoint address, X509Certificate2 certificate, InjectionSettings injection,
        Func<string, IReadOnlyDictionary<string, string>?> namespaceLabels, Action<string> report)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(address, l => l.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = certificate })));
        var app = builder.Build();
        app.Run(async ctx =>
        {
            if (!HttpMethods.IsPost(ctx.Request.Method) || ctx.Request.Path.Value is not ("/validate" or "/inject"))
            {
                ctx.Response.StatusCode = 404;
                return;
            }

            JsonObject review;
            try
            {
                review = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted).ConfigureAwait(false) as JsonObject
                    ?? throw new FormatException("the body is not a JSON object");
                var answer = ctx.Request.Path.Value == "/validate"
                    ? AdmissionWebhooks.Validate(review)
                    : AdmissionWebhooks.Inject(review, injection, namespaceLabels, report);
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync(answer.ToJsonString(), ctx.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException)
            {
                ctx.Response.StatusCode = 400;
                await ctx.Response.WriteAsync($"not an AdmissionReview: {ex.Message}", ctx.RequestAborted).ConfigureAwait(false);
            }
        });
        await app.StartAsync().ConfigureAwait(false);
        var bound = app.Urls.Select(u => new Uri(u).Port).FirstOrDefault(address.Port);
        return new WebhookServer(app, bound);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
