using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Causeway.Cli.Local;

/// <summary>
/// The demo's applications, written for Causeway after Istio's Bookinfo: productpage (HTML, calls details and
/// reviews), details, reviews v1 (no stars), v2 (black stars) and v3 (red stars), the last two calling ratings.
/// Each listens on 127.0.0.1 at the port its Sidecar's ingress defaultEndpoint names, and calls other services by
/// their mesh names through its sidecar, used as an HTTP proxy at the sidecar's egress bind address. productpage
/// gives reviews 3 s and one retry; reviews gives ratings 10 s, as Bookinfo does. The user (header
/// <c>end-user</c>, or the <c>user</c> cookie set by /login?user=NAME) and tracing headers are passed along.
/// </summary>
internal sealed class BookinfoApps : IAsyncDisposable
{
    private static readonly string[] Propagated = ["end-user", "x-request-id", "traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled"];
    private readonly List<WebApplication> apps = [];
    private readonly List<HttpClient> clients = [];

    /// <summary>Starts the six applications: app port = 19080 + N, sidecar egress = 127.0.11.N:9080 (samples/demo).</summary>
    public static async Task<BookinfoApps> StartAsync()
    {
        var demo = new BookinfoApps();
        await demo.StartAsync(1, "productpage", "v1", demo.ProductPage).ConfigureAwait(false);
        await demo.StartAsync(2, "details", "v1", _ => Details).ConfigureAwait(false);
        await demo.StartAsync(3, "reviews", "v1", c => Reviews(c, "v1", null)).ConfigureAwait(false);
        await demo.StartAsync(4, "reviews", "v2", c => Reviews(c, "v2", "black")).ConfigureAwait(false);
        await demo.StartAsync(5, "reviews", "v3", c => Reviews(c, "v3", "red")).ConfigureAwait(false);
        await demo.StartAsync(6, "ratings", "v1", _ => Ratings).ConfigureAwait(false);
        return demo;
    }

    private async Task StartAsync(int n, string app, string version, Func<HttpClient, RequestDelegate> handler)
    {
        // Outbound calls go through this workload's sidecar, as an HTTP proxy.
        var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.11.{n}:9080"), UseProxy = true, UseCookies = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        clients.Add(client);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 19080 + n));
        var web = builder.Build();
        var inner = handler(client);
        web.Run(ctx =>
        {
            ctx.Response.Headers["x-app"] = $"{app}-{version}";
            return inner(ctx);
        });
        await web.StartAsync().ConfigureAwait(false);
        apps.Add(web);
    }

    private static Task Details(HttpContext ctx) => Json(ctx, new JsonObject
    {
        ["id"] = 0,
        ["author"] = "William Shakespeare",
        ["year"] = 1595,
        ["type"] = "paperback",
        ["pages"] = 200,
        ["publisher"] = "PublisherA",
        ["language"] = "English",
        ["ISBN-10"] = "1234567890",
        ["ISBN-13"] = "123-1234567890",
    });

    private static Task Ratings(HttpContext ctx) => Json(ctx, new JsonObject { ["id"] = 0, ["ratings"] = new JsonObject { ["Reviewer1"] = 5, ["Reviewer2"] = 4 } });

    private static RequestDelegate Reviews(HttpClient client, string version, string? color) => async ctx =>
    {
        JsonObject? ratings = null;
        var ratingsError = false;
        if (color is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                using var response = await client.SendAsync(Outgoing(ctx, "http://ratings:9080/ratings/0"), timeout.Token).ConfigureAwait(false);
                ratings = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false))?["ratings"] as JsonObject : null;
                ratingsError = ratings is null;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
            {
                ratingsError = true;
            }
        }

        var reviews = new JsonArray();
        foreach (var (reviewer, text) in new[] { ("Reviewer1", "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"), ("Reviewer2", "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.") })
        {
            var review = new JsonObject { ["reviewer"] = reviewer, ["text"] = text };
            if (color is not null)
            {
                review["rating"] = ratingsError
                    ? new JsonObject { ["error"] = "Ratings service is currently unavailable" }
                    : new JsonObject { ["stars"] = ratings?[reviewer]?.GetValue<int>() ?? 0, ["color"] = color };
            }

            reviews.Add((JsonNode)review);
        }

        await Json(ctx, new JsonObject { ["id"] = "0", ["podname"] = "reviews-" + version, ["reviews"] = reviews }).ConfigureAwait(false);
    };

    private RequestDelegate ProductPage(HttpClient client) => async ctx =>
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (path == "/login")
        {
            var name = ctx.Request.Query["user"].FirstOrDefault() ?? "jason";
            ctx.Response.Cookies.Append("user", name);
            ctx.Response.Redirect("/productpage");
            return;
        }

        if (path == "/logout")
        {
            ctx.Response.Cookies.Delete("user");
            ctx.Response.Redirect("/productpage");
            return;
        }

        if (path.StartsWith("/api/v1/products", StringComparison.Ordinal))
        {
            await Json(ctx, new JsonArray((JsonNode)new JsonObject { ["id"] = 0, ["title"] = "The Comedy of Errors" })).ConfigureAwait(false);
            return;
        }

        if (path != "/productpage")
        {
            ctx.Response.StatusCode = 404;
            return;
        }

        var details = await CallAsync(client, ctx, "http://details:9080/details/0", TimeSpan.FromSeconds(3), retries: 1).ConfigureAwait(false);
        var reviews = await CallAsync(client, ctx, "http://reviews:9080/reviews/0", TimeSpan.FromSeconds(3), retries: 1).ConfigureAwait(false);
        var html = new StringBuilder();
        var user = User(ctx);
        html.Append("<!DOCTYPE html><html><head><title>Simple Bookstore App</title></head><body>\n");
        html.Append("<h2>The Comedy of Errors</h2>\n");
        html.Append(user is null ? "<p><a href=\"/login?user=jason\">Sign in as jason</a></p>\n" : $"<p>Signed in as <b>{WebUtility.HtmlEncode(user)}</b> (<a href=\"/logout\">sign out</a>)</p>\n");
        html.Append("<h4>Book Details</h4>\n");
        html.Append(details is null
            ? "<p>Error fetching product details! Sorry, product details are currently unavailable for this book.</p>\n"
            : $"<p>Type: {details["type"]}, Pages: {details["pages"]}, Publisher: {details["publisher"]}, Language: {details["language"]}, ISBN-13: {details["ISBN-13"]}</p>\n");
        html.Append("<h4>Book Reviews</h4>\n");
        if (reviews is null)
        {
            html.Append("<p>Error fetching product reviews! Sorry, product reviews are currently unavailable for this book.</p>\n");
        }
        else
        {
            foreach (var review in reviews["reviews"]?.AsArray() ?? [])
            {
                html.Append("<blockquote><p>").Append(WebUtility.HtmlEncode(review?["text"]?.GetValue<string>())).Append("</p><small>").Append(review?["reviewer"]).Append("</small>");
                if (review?["rating"] is JsonObject rating)
                {
                    html.Append(rating["error"] is { } error
                        ? $"<p><i>{error}</i></p>"
                        : $"<p class=\"stars {rating["color"]}\"><font color=\"{rating["color"]}\">{new string('★', rating["stars"]!.GetValue<int>())}{new string('☆', 5 - rating["stars"]!.GetValue<int>())}</font></p>");
                }

                html.Append("</blockquote>\n");
            }

            html.Append("<p><small>Reviews served by: ").Append(reviews["podname"]).Append("</small></p>\n");
        }

        html.Append("</body></html>\n");
        ctx.Response.ContentType = "text/html; charset=utf-8";
        await ctx.Response.WriteAsync(html.ToString()).ConfigureAwait(false);
    };

    /// <summary>A call with Bookinfo's productpage policy: a timeout per try and a retry after a failure.</summary>
    private static async Task<JsonNode?> CallAsync(HttpClient client, HttpContext ctx, string url, TimeSpan timeout, int retries)
    {
        for (var attempt = 0; attempt <= retries; attempt++)
        {
            try
            {
                using var cancel = new CancellationTokenSource(timeout);
                using var response = await client.SendAsync(Outgoing(ctx, url), cancel.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancel.Token).ConfigureAwait(false));
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
            {
                // next attempt
            }
        }

        return null;
    }

    /// <summary>The outgoing request carries the user and the tracing headers of the incoming one (Bookinfo's propagation).</summary>
    private static HttpRequestMessage Outgoing(HttpContext ctx, string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var name in Propagated)
        {
            if (ctx.Request.Headers.TryGetValue(name, out var value))
            {
                request.Headers.TryAddWithoutValidation(name, value.ToString());
            }
        }

        if (!request.Headers.Contains("end-user") && User(ctx) is { } user)
        {
            request.Headers.TryAddWithoutValidation("end-user", user);
        }

        return request;
    }

    private static string? User(HttpContext ctx) =>
        ctx.Request.Headers.TryGetValue("end-user", out var header) && header.Count > 0 ? header.ToString() : ctx.Request.Cookies["user"];

    private static Task Json(HttpContext ctx, JsonNode body)
    {
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in apps)
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
