using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// What Kestrel runs for each request, instead of ASP.NET's hosting layer: no diagnostics, metrics, logging scopes or
/// request services per request (the proxy reports requests itself), just the handler, with the request's
/// <see cref="DefaultHttpContext"/> kept on the connection (HTTP/1.1) or stream (HTTP/2) and reused, as the hosting
/// layer does.
/// </summary>
internal sealed class ProxyApplication(RequestDelegate handler) : IHttpApplication<DefaultHttpContext>
{
    public DefaultHttpContext CreateContext(IFeatureCollection contextFeatures)
    {
        if (contextFeatures is not IHostContextContainer<DefaultHttpContext> container)
        {
            return new DefaultHttpContext(contextFeatures);
        }

        if (container.HostContext is { } reused)
        {
            reused.Initialize(contextFeatures);
            return reused;
        }

        return container.HostContext = new DefaultHttpContext(contextFeatures);
    }

    public Task ProcessRequestAsync(DefaultHttpContext context) => handler(context);

    public void DisposeContext(DefaultHttpContext context, Exception? exception) => context.Uninitialize();
}
