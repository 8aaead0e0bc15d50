using System.Net.Http.Headers;
using Causeway.Api.Loading;
using Causeway.Api.Model.Security;
using Causeway.Translation.Mesh;

namespace Causeway.ControlPlane.Config;

/// <summary>
/// Fetches the key sets RequestAuthentications name by <c>jwksUri</c>, as istiod does, so proxies get them inline
/// and the translation stays free of I/O. A set is kept for 20 minutes (istiod's PILOT_JWT_PUB_KEY_REFRESH_INTERVAL)
/// and a failed fetch is tried again at the next load; until it succeeds the issuer's tokens are refused (401), as
/// in Istio. Each fetch is bounded: the rule's timeout (5 s by default) and 1 MB.
/// </summary>
public sealed class JwksFetcher : IDisposable
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(20);
    private const int MaxBytes = 1 << 20;
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) });
    private readonly Dictionary<string, FetchedJwks> cache = new(StringComparer.Ordinal);
    private readonly TimeProvider clock;

    public JwksFetcher(TimeProvider? clock = null)
    {
        this.clock = clock ?? TimeProvider.System;
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>Whether some kept set is due for a refresh (the config source then loads again).</summary>
    public bool Stale
    {
        get
        {
            lock (cache)
            {
                var now = clock.GetUtcNow();
                return cache.Values.Any(f => f.Error is not null || now - f.FetchedAt >= Refresh);
            }
        }
    }

    private DateTimeOffset lastRefresh;

    /// <summary>
    /// Between config changes (a config source asks about once a second): when a set failed or is due, fetches again
    /// at most every 5 s, and returns the key sets only when they differ from <paramref name="current"/> (a new
    /// generation is then worth building); null otherwise.
    /// </summary>
    public IReadOnlyDictionary<string, FetchedJwks>? RefreshIfChanged(IEnumerable<LoadedResource> resources, IReadOnlyDictionary<string, FetchedJwks> current)
    {
        var now = clock.GetUtcNow();
        if (!Stale || now - lastRefresh < TimeSpan.FromSeconds(5))
        {
            return null;
        }

        lastRefresh = now;
        var fetched = For(resources);
        var same = fetched.Count == current.Count &&
                   fetched.All(kv => current.TryGetValue(kv.Key, out var other) && other.Keys == kv.Value.Keys && other.Error == kv.Value.Error);
        return same ? null : fetched;
    }

    /// <summary>The key sets of every jwksUri the resources name, fetching those not kept or due.</summary>
    public IReadOnlyDictionary<string, FetchedJwks> For(IEnumerable<LoadedResource> resources)
    {
        var wanted = resources.Select(r => r.Resource).OfType<RequestAuthentication>()
            .SelectMany(r => r.Spec.JwtRules ?? [])
            .Where(j => j.JwksUri is { Length: > 0 })
            .GroupBy(j => j.JwksUri!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(j => j.Timeout?.Value) ?? TimeSpan.FromSeconds(5), StringComparer.Ordinal);
        var result = new Dictionary<string, FetchedJwks>(StringComparer.Ordinal);
        foreach (var (uri, timeout) in wanted)
        {
            FetchedJwks? kept;
            lock (cache)
            {
                cache.TryGetValue(uri, out kept);
            }

            if (kept is null || kept.Error is not null || clock.GetUtcNow() - kept.FetchedAt >= Refresh)
            {
                var fetched = Fetch(uri, timeout);
                // a failed refresh keeps the last good keys: tokens signed with them keep working
                kept = fetched.Error is not null && kept is { Error: null } ? kept : fetched;
                lock (cache)
                {
                    cache[uri] = kept;
                }
            }

            result[uri] = kept;
        }

        return result;
    }

    private FetchedJwks Fetch(string uri, TimeSpan timeout)
    {
        var now = clock.GetUtcNow();
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
        {
            return new FetchedJwks("", "not an http or https URI", now);
        }

        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            using var response = http.GetAsync(target, HttpCompletionOption.ResponseHeadersRead, cancel.Token).GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
            {
                return new FetchedJwks("", $"HTTP {(int)response.StatusCode}", now);
            }

            using var body = response.Content.ReadAsStream(cancel.Token);
            var buffer = new byte[MaxBytes + 1];
            var total = 0;
            int n;
            while (total <= MaxBytes && (n = body.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += n;
            }

            if (total > MaxBytes)
            {
                return new FetchedJwks("", "larger than 1 MB", now);
            }

            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, total);
            using var json = System.Text.Json.JsonDocument.Parse(text);
            return json.RootElement.TryGetProperty("keys", out _) ? new FetchedJwks(text, null, now) : new FetchedJwks("", "no \"keys\" in the answer", now);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or System.Text.Json.JsonException)
        {
            return new FetchedJwks("", ex is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0.#} s" : ex.Message, now);
        }
    }

    public void Dispose() => http.Dispose();
}
