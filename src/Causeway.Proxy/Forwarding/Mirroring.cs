using Causeway.Protocol.V1;
using Causeway.Proxy.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Causeway.Proxy.Forwarding;

/// <summary>
/// Istio's mirroring: a copy of the request goes to each mirror cluster (in its percentage of requests) with
/// <c>-shadow</c> appended to the Host, fire-and-forget; the mirror's response is discarded and never delays the
/// real one. A request body is buffered (up to <see cref="MaxBody"/>) so both copies can send it; larger bodies are
/// not mirrored.
/// </summary>
internal static class Mirroring
{
    public const int MaxBody = 1024 * 1024;

    public static async Task StartAsync(HttpContext ctx, CompiledSnapshot snapshot, Route route, Random random, UpstreamRequest target)
    {
        byte[]? body = null;
        if (ctx.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            if (ctx.Request.ContentLength is > MaxBody)
            {
                return;
            }

            ctx.Request.EnableBuffering(MaxBody, MaxBody);
            using var copy = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(copy, ctx.RequestAborted).ConfigureAwait(false);
            ctx.Request.Body.Position = 0;
            body = copy.ToArray();
        }

        foreach (var mirror in route.Mirrors)
        {
            if (random.NextDouble() * 100 >= mirror.Percent || !snapshot.Clusters.TryGetValue(mirror.Cluster, out var cluster) || cluster.IsOriginalDestination)
            {
                continue;
            }

            var endpoint = cluster.Pick(null, null, random);
            if (endpoint is null)
            {
                continue;
            }

            var message = new HttpRequestMessage(HttpMethod.Parse(ctx.Request.Method), endpoint.UriFor(target.PathAndQuery));
            UpstreamRequestHeaders.Copy(ctx.Request, message, target, copyContentHeaders: false);
            var host = ctx.Request.Host.Host;
            var port = ctx.Request.Host.Port is { } p ? ":" + p : "";
            message.Headers.Host = host + "-shadow" + port;
            if (body is not null)
            {
                message.Content = new ByteArrayContent(body);
                if (ctx.Request.ContentType is { } type)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", type);
                }
            }

            _ = SendAsync(cluster, message);
        }
    }

    private static async Task SendAsync(ClusterRuntime cluster, HttpRequestMessage message)
    {
        try
        {
            using (message)
            using (var response = await cluster.Pool.Invoker.SendAsync(message, CancellationToken.None).ConfigureAwait(false))
            {
                // Discarded: mirrors never affect the real request.
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            // A failing mirror is not the client's problem.
        }
    }
}
