using System.Text.Json;
using System.Text.Json.Nodes;
using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Validation;

/// <summary>
/// First match wins, so a rule can be shadowed by earlier ones. As Istio's VirtualService validation does, this
/// reports IST0131 for a match that an earlier match already covers (an exact duplicate, or an HTTP URI prefix that an
/// earlier prefix with the same or no method contains), and IST0130 for a rule that can never be reached: every one
/// of its matches duplicates an earlier one, or it is a second rule without matches.
/// </summary>
internal static class RuleReachability
{
    public static void Check(VirtualServiceSpec spec, ValidationContext ctx)
    {
        var p = ValidationContext.Spec;
        Analyze(ctx, p.Field("http"), spec.Http ?? [], r => r.Match, r => r.Name, HttpKey, HttpCovers);
        Analyze(ctx, p.Field("tcp"), spec.Tcp ?? [], r => r.Match, _ => null, Key, (_, _) => false);
        Analyze(ctx, p.Field("tls"), spec.Tls ?? [], r => r.Match, _ => null, Key, (_, _) => false);
    }

    private static void Analyze<TRoute, TMatch>(
        ValidationContext ctx,
        FieldPath path,
        List<TRoute> routes,
        Func<TRoute, List<TMatch>?> matchesOf,
        Func<TRoute, string?> nameOf,
        Func<TMatch, string> keyOf,
        Func<TMatch, TMatch, bool> covers)
        where TMatch : class
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var earlier = new List<(TMatch Match, int Rule)>();
        var catchAll = -1;
        for (var r = 0; r < routes.Count; r++)
        {
            var rp = path.At(r);
            var matches = matchesOf(routes[r]) ?? [];
            if (matches.Count == 0)
            {
                if (catchAll >= 0)
                {
                    ctx.Add(MessageTypes.VirtualServiceUnreachableRule, Severity.Warning, rp,
                        $"VirtualService rule {RuleName(nameOf(routes[r]), r)} not used (only the last rule can have no matches)",
                        $"rule {catchAll} already matches every request; remove this rule or give the earlier one a match");
                }

                catchAll = r;
                continue;
            }

            var duplicates = 0;
            for (var m = 0; m < matches.Count; m++)
            {
                var key = keyOf(matches[m]);
                if (seen.TryGetValue(key, out var dupRule))
                {
                    duplicates++;
                    ctx.Add(MessageTypes.VirtualServiceIneffectiveMatch, Severity.Info, rp.Field("match").At(m),
                        $"VirtualService rule {RuleName(nameOf(routes[r]), r)} match {m} is not used (duplicate/overlapping match in rule {RuleName(nameOf(routes[dupRule]), dupRule)})",
                        "the earlier rule takes every request this match would; remove it or reorder the rules");
                    continue;
                }

                var cover = earlier.FirstOrDefault(e => covers(e.Match, matches[m]));
                if (cover.Match is not null)
                {
                    ctx.Add(MessageTypes.VirtualServiceIneffectiveMatch, Severity.Info, rp.Field("match").At(m),
                        $"VirtualService rule {RuleName(nameOf(routes[r]), r)} match {m} is not used (duplicate/overlapping match in rule {RuleName(nameOf(routes[cover.Rule]), cover.Rule)})",
                        "an earlier, broader match takes these requests first; put the more specific match first");
                }

                seen[key] = r;
                earlier.Add((matches[m], r));
            }

            if (duplicates == matches.Count)
            {
                ctx.Add(MessageTypes.VirtualServiceUnreachableRule, Severity.Warning, rp,
                    $"VirtualService rule {RuleName(nameOf(routes[r]), r)} not used (all matches used by prior rules)",
                    "remove the rule or change its matches");
            }
        }
    }

    private static string RuleName(string? name, int index) => string.IsNullOrEmpty(name) ? "#" + index : $"#{index} ({name})";

    /// <summary>An HTTP match without its name, with map keys sorted: equal keys mean identical conditions.</summary>
    private static string HttpKey(HttpMatchRequest m)
    {
        var copy = JsonSerializer.SerializeToNode(m, ModelJsonContext.Default.HttpMatchRequest) as JsonObject;
        copy?.Remove("name");
        return Canonical(copy);
    }

    private static string Key<T>(T match)
    {
        var info = ModelJsonContext.Default.GetTypeInfo(typeof(T))!;
        return Canonical(JsonSerializer.SerializeToNode(match, info));
    }

    /// <summary>
    /// An earlier match covers a later one when both match the URI by prefix, the earlier prefix contains the later,
    /// the earlier method is absent or the same, and every other condition is identical.
    /// </summary>
    private static bool HttpCovers(HttpMatchRequest earlier, HttpMatchRequest later)
    {
        if (earlier.Uri?.Prefix is not { } p1 || later.Uri?.Prefix is not { } p2 || !p2.StartsWith(p1, StringComparison.Ordinal))
        {
            return false;
        }

        if (earlier.Method is not null && HttpKeyOf(earlier.Method) != HttpKeyOf(later.Method))
        {
            return false;
        }

        return Rest(earlier) == Rest(later);

        static string Rest(HttpMatchRequest m)
        {
            var node = JsonSerializer.SerializeToNode(m, ModelJsonContext.Default.HttpMatchRequest) as JsonObject;
            node?.Remove("name");
            node?.Remove("uri");
            node?.Remove("method");
            return Canonical(node);
        }

        static string HttpKeyOf(StringMatch? s) => s is null ? "" : $"{s.Exact}|{s.Prefix}|{s.Regex}";
    }

    private static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => JsonSerializer.Serialize(kv.Key, ModelJsonContext.Default.String) + ":" + Canonical(kv.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        _ => node.ToJsonString(),
    };
}
