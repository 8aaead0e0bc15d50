using System.Text;
using Causeway.Api.Diagnostics;
using Causeway.Api.Model;
using Causeway.Api.Model.Networking;
using Causeway.Translation.Mesh;
using Causeway.Protocol.V1;
using Proto = Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// Turns a VirtualService's HTTP rules into proxy routes, in order (first match wins). Each match becomes its own
/// route (as Istio emits one Envoy route per match). Matches are filtered for this proxy: per-match gateways, and
/// sourceLabels/sourceNamespace, which select workloads at config time. Delegate VirtualServices are inlined one
/// level deep, each child match combined with the parent's. Destinations are resolved against the VirtualService's
/// namespace and recorded, so the caller can build exactly the clusters the routes use.
/// </summary>
internal sealed class HttpRouteTranslator(VirtualServiceIndex index, Func<string, bool> consistentHashFor)
{
    private readonly MeshState mesh = index.Mesh;

    public List<Route> Translate(BoundVirtualService vs, RouteContext ctx, List<ClusterRef> clusters)
    {
        var routes = new List<Route>();
        var rules = vs.Resource.Spec.Http ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule.Delegate is { } d)
            {
                var child = index.Delegate(d.Namespace ?? vs.Namespace, d.Name ?? "");
                if (child is null)
                {
                    continue; // Istio drops a route to a missing delegate
                }

                foreach (var parentMatch in MatchesFor(rule, ctx))
                {
                    var childRules = child.Resource.Spec.Http ?? [];
                    for (var j = 0; j < childRules.Count; j++)
                    {
                        foreach (var childMatch in MatchesFor(childRules[j], ctx))
                        {
                            routes.Add(Build(child, childRules[j], j, Merge(parentMatch, childMatch), ctx, clusters));
                        }
                    }
                }

                continue;
            }

            foreach (var match in MatchesFor(rule, ctx))
            {
                routes.Add(Build(vs, rule, i, match, ctx, clusters));
            }
        }

        return routes;
    }

    /// <summary>The rule's matches that apply to this proxy; one null (match-all) when the rule has none.</summary>
    private static IEnumerable<HttpMatchRequest?> MatchesFor(HttpRoute rule, RouteContext ctx)
    {
        if (rule.Match is null or { Count: 0 })
        {
            yield return null;
            yield break;
        }

        foreach (var m in rule.Match)
        {
            if (!ctx.Admits(m.Gateways, m.SourceLabels, m.SourceNamespace))
            {
                continue;
            }

            if (m.Port is > 0 && ctx.ListenerPort > 0 && m.Port != ctx.ListenerPort)
            {
                continue;
            }

            yield return m;
        }
    }

    /// <summary>A delegate's match inside its parent's: the child's conditions are added to (or narrow) the parent's.</summary>
    private static HttpMatchRequest? Merge(HttpMatchRequest? parent, HttpMatchRequest? child)
    {
        if (parent is null || child is null)
        {
            return child ?? parent;
        }

        return new HttpMatchRequest
        {
            Name = child.Name ?? parent.Name,
            Uri = child.Uri ?? parent.Uri,
            Scheme = child.Scheme ?? parent.Scheme,
            Method = child.Method ?? parent.Method,
            Authority = child.Authority ?? parent.Authority,
            Headers = Union(parent.Headers, child.Headers),
            WithoutHeaders = Union(parent.WithoutHeaders, child.WithoutHeaders),
            QueryParams = Union(parent.QueryParams, child.QueryParams),
            Port = child.Port ?? parent.Port,
            IgnoreUriCase = child.IgnoreUriCase ?? parent.IgnoreUriCase,
        };
    }

    private static Dictionary<string, Api.Model.Networking.StringMatch?>? Union(Dictionary<string, Api.Model.Networking.StringMatch?>? a, Dictionary<string, Api.Model.Networking.StringMatch?>? b)
    {
        if (a is null || b is null)
        {
            return b ?? a;
        }

        var merged = new Dictionary<string, Api.Model.Networking.StringMatch?>(a);
        foreach (var (k, v) in b)
        {
            merged[k] = v;
        }

        return merged;
    }

    private Route Build(BoundVirtualService vs, HttpRoute rule, int ruleIndex, HttpMatchRequest? match, RouteContext ctx, List<ClusterRef> clusters)
    {
        var location = vs.Source.Locate(FieldPath.Root.Field("spec").Field("http").At(ruleIndex));
        var route = new Route
        {
            Name = $"{vs.Namespace}/{vs.Resource.Name}#{ruleIndex}{(rule.Name is { } n ? " " + n : "")}{(match?.Name is { } mn ? "." + mn : "")}",
            Origin = new RouteOrigin { Kind = "VirtualService", Namespace = vs.Namespace, Name = vs.Resource.Name, File = location.File, Line = (uint)Math.Max(0, location.Line), RuleIndex = (uint)ruleIndex },
        };
        if (match is not null)
        {
            route.Match = ToMatch(match);
        }

        if (rule.Redirect is { } redirect)
        {
            route.Redirect = new Redirect
            {
                Uri = redirect.Uri ?? "",
                Authority = redirect.Authority ?? "",
                Port = redirect.Port ?? 0,
                DerivePort = redirect.DerivePort switch
                {
                    RedirectPortSelection.FromRequestPort => RedirectPort.FromRequestPort,
                    RedirectPortSelection.FromProtocolDefault => RedirectPort.FromProtocolDefault,
                    _ => RedirectPort.Unspecified,
                },
                Scheme = redirect.Scheme ?? "",
                Code = redirect.EffectiveRedirectCode,
                PrefixRewrite = redirect.PrefixRewrite ?? "",
                MatchedPrefix = match?.Uri?.Prefix ?? "",
            };
        }
        else if (rule.DirectResponse is { } direct)
        {
            route.DirectResponse = new Proto.DirectResponse
            {
                Status = direct.Status ?? 200,
                Body = Google.Protobuf.ByteString.CopyFrom(direct.Body?.Bytes ?? Encoding.UTF8.GetBytes(direct.Body?.String ?? "")),
            };
        }
        else
        {
            route.Forward = Forward(vs, rule, match, ctx, clusters);
        }

        route.RequestHeaders = Ops(rule.Headers?.Request);
        route.ResponseHeaders = Ops(rule.Headers?.Response);
        if (rule.CorsPolicy is { } cors)
        {
            route.Cors = Cors(cors);
        }

        foreach (var (dest, percent) in Mirrors(rule))
        {
            var mirror = Resolve(vs, dest, ctx, clusters);
            route.Mirrors.Add(new Mirror { Cluster = mirror.Name, Percent = percent });
        }

        if (rule.Fault is { } fault)
        {
            // Istio: "timeouts or retries will not be enabled when faults are enabled on the client side".
            route.Fault = new Fault
            {
                DelayMs = fault.Delay?.FixedDelay is { } fd ? ClusterBuilder.Ms(fd.Value) : 0,
                DelayPercent = fault.Delay is null ? 0 : fault.Delay.Percentage?.Value ?? fault.Delay.Percent ?? 0,
                AbortHttpStatus = fault.Abort?.HttpStatus is > 0 ? (uint)fault.Abort.HttpStatus.Value : 0,
                AbortGrpcStatus = fault.Abort?.GrpcStatus ?? "",
                AbortPercent = fault.Abort?.Percentage?.Value ?? 0,
            };
        }
        else if (route.ActionCase == Route.ActionOneofCase.Forward)
        {
            route.TimeoutMs = rule.Timeout is { } t ? ClusterBuilder.Ms(t.Value) : 0;
            var hashed = route.Forward.Clusters.Any(c => consistentHashFor(c.Cluster));
            route.Retry = RetryPolicyTranslator.Translate(rule.Retries, hashed, mesh.Settings.DefaultHttpRetryPolicy);
        }

        if (LocalRateLimitAnnotation.For(vs.Resource, rule.Name) is { } limit)
        {
            route.RateLimit = new LocalRateLimit
            {
                MaxTokens = (uint)limit.MaxTokens,
                TokensPerFill = (uint)limit.TokensPerFill,
                FillIntervalMs = ClusterBuilder.Ms(limit.FillInterval),
            };
        }

        return route;
    }

    private RouteAction Forward(BoundVirtualService vs, HttpRoute rule, HttpMatchRequest? match, RouteContext ctx, List<ClusterRef> clusters)
    {
        var action = new RouteAction();
        var destinations = rule.Route ?? [];
        foreach (var d in destinations)
        {
            if (d.Destination is null)
            {
                continue;
            }

            var target = Resolve(vs, d.Destination, ctx, clusters);
            action.Clusters.Add(new WeightedCluster
            {
                Cluster = target.Name,
                Weight = DestinationPorts.Weight(d.Weight, destinations.Count),
                RequestHeaders = Ops(d.Headers?.Request),
                ResponseHeaders = Ops(d.Headers?.Response),
            });
        }

        if (rule.Rewrite is { } rewrite)
        {
            action.RewriteUri = rewrite.Uri ?? "";
            action.RewriteMatchedPrefix = rewrite.Uri is not null && match?.Uri?.Prefix is { } prefix ? prefix : "";
            action.RewriteAuthority = rewrite.Authority ?? "";
            if (rewrite.UriRegexRewrite is { Match: { } pattern } rr)
            {
                action.RegexRewrite = new Proto.RegexRewrite { Pattern = pattern, Substitution = rr.Rewrite ?? "" };
            }
        }

        return action;
    }

    /// <summary>Resolves a destination to a cluster: host qualified in the VirtualService's namespace, port defaulted.</summary>
    private ClusterRef Resolve(BoundVirtualService vs, Destination d, RouteContext ctx, List<ClusterRef> clusters)
    {
        var host = mesh.Names.Fqdn(d.Host ?? "", vs.Namespace);
        var service = mesh.Service(host);
        var port = d.Port?.Number ?? DestinationPorts.Default(service, ctx.ListenerPort);
        var reference = new ClusterRef(host, port, d.Subset ?? "", service);
        clusters.Add(reference);
        return reference;
    }

    private static IEnumerable<(Destination, double)> Mirrors(HttpRoute rule)
    {
        if (rule.Mirror is { } m)
        {
            yield return (m, rule.MirrorPercentage?.Value ?? rule.MirrorPercent ?? 100);
        }

        foreach (var mp in rule.Mirrors ?? [])
        {
            if (mp.Destination is { } d)
            {
                yield return (d, mp.Percentage?.Value ?? 100);
            }
        }
    }

    internal static RouteMatch ToMatch(HttpMatchRequest m)
    {
        var match = new RouteMatch
        {
            Path = ToStringMatch(m.Uri),
            Scheme = ToStringMatch(m.Scheme),
            Method = ToStringMatch(m.Method),
            Authority = ToStringMatch(m.Authority),
            Port = m.Port ?? 0,
            IgnoreUriCase = m.IgnoreUriCase ?? false,
        };
        foreach (var (name, sm) in m.Headers ?? [])
        {
            if (name is "uri" or "scheme" or "method" or "authority")
            {
                continue; // Istio ignores these keys in header matches
            }

            match.Headers.Add(new HeaderMatch { Name = name.ToLowerInvariant(), Match = HeaderValueMatch(sm) });
        }

        foreach (var (name, sm) in m.WithoutHeaders ?? [])
        {
            match.Headers.Add(new HeaderMatch { Name = name.ToLowerInvariant(), Match = HeaderValueMatch(sm), Invert = true });
        }

        foreach (var (name, sm) in m.QueryParams ?? [])
        {
            match.QueryParams.Add(new QueryParamMatch { Name = name, Match = ToStringMatch(sm) });
        }

        return match;
    }

    /// <summary>
    /// A header's value match; <c>regex: "*"</c> is not RE2 but Istio's spelling of "present with any value"
    /// (its validation skips it and its translation makes a present_match), so it becomes a presence check.
    /// </summary>
    private static Proto.StringMatch? HeaderValueMatch(Api.Model.Networking.StringMatch? s) =>
        s is { Regex: "*", Exact: null, Prefix: null } ? null : ToStringMatch(s);

    private static Proto.StringMatch? ToStringMatch(Api.Model.Networking.StringMatch? s)
    {
        if (s is null || (s.Exact is null && s.Prefix is null && s.Regex is null))
        {
            return null;
        }

        var result = new Proto.StringMatch();
        if (s.Exact is not null)
        {
            result.Exact = s.Exact;
        }
        else if (s.Prefix is not null)
        {
            result.Prefix = s.Prefix;
        }
        else
        {
            result.Regex = s.Regex!;
        }

        return result;
    }

    private static Proto.HeaderOperations? Ops(Api.Model.Networking.HeaderOperations? ops)
    {
        if (ops is null)
        {
            return null;
        }

        var result = new Proto.HeaderOperations();
        foreach (var (k, v) in ops.Set ?? [])
        {
            result.Set[k.ToLowerInvariant()] = v;
        }

        foreach (var (k, v) in ops.Add ?? [])
        {
            result.Add[k.ToLowerInvariant()] = v;
        }

        result.Remove.Add((ops.Remove ?? []).Select(r => r.ToLowerInvariant()));
        return result;
    }

    private static Proto.CorsPolicy Cors(Api.Model.Networking.CorsPolicy cors)
    {
        var result = new Proto.CorsPolicy
        {
            MaxAgeSeconds = cors.MaxAge is { } age ? (long)age.Value.TotalSeconds : -1,
            AllowCredentials = cors.AllowCredentials ?? false,
            IgnoreUnmatchedPreflights = cors.UnmatchedPreflights == UnmatchedPreflights.Ignore,
        };
        foreach (var o in cors.AllowOrigins ?? [])
        {
            if (ToStringMatch(o) is { } sm)
            {
                result.AllowOrigins.Add(sm);
            }
        }

        foreach (var o in cors.AllowOrigin ?? [])
        {
            result.AllowOrigins.Add(o == "*" ? new Proto.StringMatch { Prefix = "" } : new Proto.StringMatch { Exact = o });
        }

        result.AllowMethods.Add(cors.AllowMethods ?? []);
        result.AllowHeaders.Add(cors.AllowHeaders ?? []);
        result.ExposeHeaders.Add(cors.ExposeHeaders ?? []);
        return result;
    }
}
