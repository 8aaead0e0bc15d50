using Causeway.Api.Diagnostics;
using Causeway.Api.Model;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Validation;

/// <summary>
/// Istio's admission rules for VirtualService, plus one it lacks that users asked for: an HTTP rule with no route,
/// redirect, directResponse or delegate is rejected (in Istio it passes and then breaks every route on the listener,
/// istio/istio#31525).
/// </summary>
internal sealed class VirtualServiceValidator : ResourceValidator<VirtualService>
{
    /// <summary>Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on policies.</summary>
    internal static readonly HashSet<string> RetryPolicies = new(StringComparer.Ordinal)
    {
        "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited", "retriable-4xx",
        "refused-stream", "retriable-status-codes", "retriable-headers", "http3-post-connect-failure",
        "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
    };

    internal static readonly HashSet<string> GrpcStatusNames = new(StringComparer.Ordinal)
    {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    };

    private static readonly HashSet<string> HttpMethods = new(StringComparer.Ordinal)
    {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "*",
    };

    protected override void Validate(VirtualService vs, ValidationContext ctx)
    {
        var spec = vs.Spec;
        var p = ValidationContext.Spec;
        var isDelegate = spec.Hosts is null or { Count: 0 };

        if (isDelegate)
        {
            if (spec.Gateways is { Count: > 0 })
            {
                ctx.Error(p.Field("gateways"), "a delegate VirtualService (one without hosts) must not set gateways", "set hosts, or remove gateways and reference this VirtualService from a root's delegate");
            }

            if (spec.Tcp is { Count: > 0 } || spec.Tls is { Count: > 0 })
            {
                ctx.Error(p, "a delegate VirtualService (one without hosts) can only have http routes");
            }
        }

        ValidateRateLimitAnnotations(vs, ctx);

        var bindsMesh = spec.EffectiveGateways.Contains(IstioDefaults.MeshGateway);
        for (var i = 0; i < (spec.Hosts?.Count ?? 0); i++)
        {
            var host = spec.Hosts![i];
            var hp = p.Field("hosts").At(i);
            if (host.Contains('/', StringComparison.Ordinal))
            {
                ctx.Error(hp, $"host \"{host}\" must not contain a namespace", "namespaces go in gateways or exportTo, not hosts");
            }
            else if (!Names.IsIp(host) && Names.CheckHost(host) is { } error)
            {
                ctx.Error(hp, error);
            }
            else if (host == "*" && bindsMesh)
            {
                ctx.Error(hp, "wildcard host \"*\" is not allowed for a VirtualService bound to the mesh", "name the hosts, or bind the VirtualService to a gateway only");
            }
        }

        ValidateGateways(ctx, p.Field("gateways"), spec.Gateways);

        if (spec.Http is null or { Count: 0 } && spec.Tcp is null or { Count: 0 } && spec.Tls is null or { Count: 0 })
        {
            ctx.Error(p, "http, tcp or tls routes are required");
        }

        for (var i = 0; i < (spec.Http?.Count ?? 0); i++)
        {
            ValidateHttpRoute(ctx, p.Field("http").At(i), spec.Http![i], isDelegate);
        }

        for (var i = 0; i < (spec.Tcp?.Count ?? 0); i++)
        {
            ValidateTcpRoute(ctx, p.Field("tcp").At(i), spec.Tcp![i]);
        }

        for (var i = 0; i < (spec.Tls?.Count ?? 0); i++)
        {
            ValidateTlsRoute(ctx, p.Field("tls").At(i), spec.Tls![i], spec.Hosts ?? []);
        }

        ctx.ExportTo(p.Field("exportTo"), spec.ExportTo);
        RuleReachability.Check(spec, ctx);
    }

    /// <summary>Causeway's causeway.io/local-rate-limit annotations (on VirtualServices and Gateways) must parse.</summary>
    internal static void ValidateRateLimitAnnotations(Model.Common.Resource resource, ValidationContext ctx)
    {
        foreach (var (key, value) in resource.Annotations)
        {
            if (key == LocalRateLimitAnnotation.Key || key.StartsWith(LocalRateLimitAnnotation.Key + ".", StringComparison.Ordinal))
            {
                if (!LocalRateLimitAnnotation.TryParse(value, out _, out var error))
                {
                    ctx.Error(FieldPath.Root.Field("metadata").Field("annotations").Field(key), $"invalid {key}: {error}", "for example \"maxTokens=10,tokensPerFill=10,fillInterval=1s\"");
                }
            }
        }
    }

    internal static void ValidateGateways(ValidationContext ctx, FieldPath path, List<string>? gateways)
    {
        for (var i = 0; i < (gateways?.Count ?? 0); i++)
        {
            var g = gateways![i];
            if (g == IstioDefaults.MeshGateway)
            {
                continue;
            }

            var parts = g.Split('/');
            var ok = parts.Length switch
            {
                1 => Names.IsDns1123Subdomain(parts[0]),
                2 => Names.IsDns1123Label(parts[0]) && Names.IsDns1123Subdomain(parts[1]),
                _ => false,
            };
            if (!ok)
            {
                ctx.Error(path.At(i), $"invalid gateway reference \"{g}\"", "use \"mesh\", \"name\" or \"namespace/name\"");
            }
        }
    }

    private static void ValidateHttpRoute(ValidationContext ctx, FieldPath p, HttpRoute r, bool inDelegate)
    {
        var hasRoute = r.Route is { Count: > 0 };
        var actions = (hasRoute ? 1 : 0) + (r.Redirect is null ? 0 : 1) + (r.DirectResponse is null ? 0 : 1) + (r.Delegate is null ? 0 : 1);
        if (actions == 0)
        {
            ctx.Error(p, "an HTTP rule needs a route, redirect, directResponse or delegate", "in Istio such a rule breaks every route on the listener (istio/istio#31525); add a route");
        }
        else if (actions > 1)
        {
            ctx.Error(p, "route, redirect, directResponse and delegate are mutually exclusive; set exactly one");
        }

        if (r.Redirect is not null && r.Rewrite is not null)
        {
            ctx.Error(p.Field("rewrite"), "rewrite cannot be used with redirect");
        }

        if (r.Delegate is not null)
        {
            if (inDelegate)
            {
                ctx.Error(p.Field("delegate"), "delegation is only one level deep: a delegate VirtualService cannot delegate again");
            }

            ctx.Required(p.Field("delegate").Field("name"), r.Delegate.Name);
            if (r.Delegate.Name is { Length: > 0 } dn && !Names.IsDns1123Subdomain(dn))
            {
                ctx.Error(p.Field("delegate").Field("name"), $"invalid delegate name \"{dn}\"");
            }

            if (r.Delegate.Namespace is { Length: > 0 } dns && !Names.IsDns1123Label(dns))
            {
                ctx.Error(p.Field("delegate").Field("namespace"), $"invalid namespace \"{dns}\"");
            }
        }

        for (var i = 0; i < (r.Match?.Count ?? 0); i++)
        {
            ValidateMatch(ctx, p.Field("match").At(i), r.Match![i]);
        }

        var totalWeight = 0L;
        for (var i = 0; i < (r.Route?.Count ?? 0); i++)
        {
            var d = r.Route![i];
            var dp = p.Field("route").At(i);
            ValidateDestination(ctx, dp.Field("destination"), d.Destination);
            if (d.Weight is < 0)
            {
                ctx.Error(dp.Field("weight"), $"weight {d.Weight} must not be negative");
            }

            totalWeight += Math.Max(0, d.Weight ?? 0);
            ValidateHeaders(ctx, dp.Field("headers"), d.Headers);
        }

        if (r.Route is { Count: > 1 } && totalWeight == 0)
        {
            ctx.Error(p.Field("route"), "all destinations have weight 0, so no request could be routed", "weights are relative: give at least one destination a positive weight");
        }

        ctx.Duration(p.Field("timeout"), r.Timeout, TimeSpan.Zero);
        ValidateRetries(ctx, p.Field("retries"), r.Retries);
        ValidateFault(ctx, p.Field("fault"), r.Fault);
        if (r.Fault is not null && (r.Retries is not null || r.Timeout is not null))
        {
            ctx.Warning(p.Field("fault"), "timeouts and retries are not applied on a route with fault injection (Istio semantics)");
        }

        if (r.Mirror is not null)
        {
            ValidateDestination(ctx, p.Field("mirror"), r.Mirror);
            if (r.Mirrors is { Count: > 0 })
            {
                ctx.Error(p.Field("mirrors"), "mirror and mirrors cannot both be set");
            }
        }

        if (r.MirrorPercent is > 100)
        {
            ctx.Error(p.Field("mirrorPercent"), $"mirror percentage {r.MirrorPercent} is out of range (0-100)");
        }

        ctx.Percentage(p.Field("mirrorPercentage"), r.MirrorPercentage);
        for (var i = 0; i < (r.Mirrors?.Count ?? 0); i++)
        {
            var m = r.Mirrors![i];
            ctx.Required(p.Field("mirrors").At(i).Field("destination"), m.Destination);
            ValidateDestination(ctx, p.Field("mirrors").At(i).Field("destination"), m.Destination);
            ctx.Percentage(p.Field("mirrors").At(i).Field("percentage"), m.Percentage);
        }

        ValidateRedirect(ctx, p.Field("redirect"), r.Redirect);
        ValidateDirectResponse(ctx, p.Field("directResponse"), r.DirectResponse);
        ValidateRewrite(ctx, p.Field("rewrite"), r.Rewrite);
        ValidateCors(ctx, p.Field("corsPolicy"), r.CorsPolicy);
        ValidateHeaders(ctx, p.Field("headers"), r.Headers);
    }

    private static void ValidateMatch(ValidationContext ctx, FieldPath p, HttpMatchRequest m)
    {
        ValidateStringMatch(ctx, p.Field("uri"), m.Uri, allowEmpty: false);
        ValidateStringMatch(ctx, p.Field("scheme"), m.Scheme, allowEmpty: false);
        ValidateStringMatch(ctx, p.Field("method"), m.Method, allowEmpty: false);
        ValidateStringMatch(ctx, p.Field("authority"), m.Authority, allowEmpty: false);
        ValidateHeaderMatches(ctx, p.Field("headers"), m.Headers);
        ValidateHeaderMatches(ctx, p.Field("withoutHeaders"), m.WithoutHeaders);
        if (m.QueryParams is not null)
        {
            foreach (var (k, v) in m.QueryParams)
            {
                if (k.Length == 0)
                {
                    ctx.Error(p.Field("queryParams"), "query parameter name is empty");
                }

                ValidateStringMatch(ctx, p.Field("queryParams").Field(k), v, allowEmpty: true);
            }
        }

        ctx.Port(p.Field("port"), m.Port);
        ctx.Labels(p.Field("sourceLabels"), m.SourceLabels);
        ValidateGateways(ctx, p.Field("gateways"), m.Gateways);
        if (m.SourceNamespace is { Length: > 0 } sn && !Names.IsDns1123Label(sn))
        {
            ctx.Error(p.Field("sourceNamespace"), $"invalid namespace \"{sn}\"");
        }
    }

    private static void ValidateHeaderMatches(ValidationContext ctx, FieldPath p, Dictionary<string, StringMatch?>? headers)
    {
        if (headers is null)
        {
            return;
        }

        foreach (var (name, match) in headers)
        {
            var hp = p.Field(name);
            if (name.StartsWith("@request.auth.claims", StringComparison.Ordinal))
            {
                ValidateStringMatch(ctx, hp, match, allowEmpty: true);
                continue;
            }

            if (name is ":method" or ":scheme" or ":authority" or ":path" or ":status")
            {
                // Istio's ValidateHTTPHeaderNameOrJwtClaimRoute accepts the HTTP/2 pseudo-headers (RFC 7540 8.1.2.3).
            }
            else if (!Names.IsHeaderName(name))
            {
                ctx.Error(hp, $"invalid header name \"{name}\"");
            }
            else if (name.Any(char.IsAsciiLetterUpper))
            {
                ctx.Error(hp, $"header name \"{name}\" must be lower case", $"use \"{name.ToLowerInvariant()}\"");
            }

            if (name is "uri" or "scheme" or "method" or "authority")
            {
                ctx.Warning(hp, $"header \"{name}\" is ignored in header matches", $"use the match's {name} field instead");
            }

            if (match?.Regex == "*")
            {
                continue; // Istio: "*" is not RE2 here but a presence match, and its regex is not checked
            }

            ValidateStringMatch(ctx, hp, match, allowEmpty: true);
        }
    }

    internal static void ValidateStringMatch(ValidationContext ctx, FieldPath p, StringMatch? m, bool allowEmpty)
    {
        if (m is null)
        {
            return;
        }

        var count = (m.Exact is null ? 0 : 1) + (m.Prefix is null ? 0 : 1) + (m.Regex is null ? 0 : 1);
        if (count > 1)
        {
            ctx.Error(p, "exact, prefix and regex are mutually exclusive");
        }
        else if (count == 0 && !allowEmpty)
        {
            ctx.Error(p, "one of exact, prefix or regex is required");
        }

        ctx.Regex(p.Field("regex"), m.Regex);
    }

    internal static void ValidateDestination(ValidationContext ctx, FieldPath p, Destination? d)
    {
        if (d is null)
        {
            ctx.Error(p, "destination is required");
            return;
        }

        ctx.Required(p.Field("host"), d.Host);
        if (d.Host is { Length: > 0 } host && Names.CheckHost(host) is { } error && !Names.IsIp(host))
        {
            ctx.Error(p.Field("host"), error);
        }

        if (d.Subset is { Length: > 0 } subset && !Names.IsDns1123Label(subset))
        {
            ctx.Error(p.Field("subset"), $"invalid subset name \"{subset}\"", "subset names are DNS labels: lowercase letters, digits and '-'");
        }

        ctx.Port(p.Field("port").Field("number"), d.Port?.Number);
    }

    private static void ValidateRetries(ValidationContext ctx, FieldPath p, HttpRetry? r)
    {
        if (r is null)
        {
            return;
        }

        if (r.Attempts is < 0)
        {
            ctx.Error(p.Field("attempts"), "attempts must not be negative");
        }

        ctx.Duration(p.Field("perTryTimeout"), r.PerTryTimeout);
        ctx.Duration(p.Field("backoff"), r.Backoff);
        if (r.RetryOn is { } retryOn)
        {
            foreach (var raw in retryOn.Split(','))
            {
                var token = raw.Trim();
                if (token.Length == 0)
                {
                    continue;
                }

                if (int.TryParse(token, out var code))
                {
                    if (code is < 100 or > 599)
                    {
                        ctx.Error(p.Field("retryOn"), $"{code} is not an HTTP status code");
                    }

                    continue;
                }

                if (!RetryPolicies.Contains(token))
                {
                    var suggestion = Loading.Suggestions.Closest(token, RetryPolicies);
                    ctx.Error(p.Field("retryOn"), $"unknown retry condition \"{token}\"", suggestion is null ? "see Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on policies" : $"did you mean \"{suggestion}\"?");
                }
            }
        }
    }

    private static void ValidateFault(ValidationContext ctx, FieldPath p, HttpFaultInjection? f)
    {
        if (f is null)
        {
            return;
        }

        if (f.Delay is null && f.Abort is null)
        {
            ctx.Error(p, "fault needs a delay or an abort");
        }

        if (f.Delay is { } delay)
        {
            var dp = p.Field("delay");
            if (delay.FixedDelay is null && delay.ExponentialDelay is null)
            {
                ctx.Error(dp.Field("fixedDelay"), "fixedDelay is required");
            }

            ctx.Duration(dp.Field("fixedDelay"), delay.FixedDelay);
            ctx.Duration(dp.Field("exponentialDelay"), delay.ExponentialDelay);
            ctx.Percentage(dp.Field("percentage"), delay.Percentage);
            if (delay.Percent is < 0 or > 100)
            {
                ctx.Error(dp.Field("percent"), $"percent {delay.Percent} is out of range (0-100)");
            }
        }

        if (f.Abort is { } abort)
        {
            var ap = p.Field("abort");
            var kinds = (abort.HttpStatus is null ? 0 : 1) + (abort.GrpcStatus is null ? 0 : 1) + (abort.Http2Error is null ? 0 : 1);
            if (kinds == 0)
            {
                ctx.Error(ap, "abort needs httpStatus or grpcStatus");
            }
            else if (kinds > 1)
            {
                ctx.Error(ap, "httpStatus, grpcStatus and http2Error are mutually exclusive");
            }

            if (abort.HttpStatus is { } status && (status < 200 || status > 599))
            {
                ctx.Error(ap.Field("httpStatus"), $"httpStatus {status} is out of range (200-599)");
            }

            if (abort.GrpcStatus is { } grpc && !GrpcStatusNames.Contains(grpc))
            {
                ctx.Error(ap.Field("grpcStatus"), $"unknown gRPC status \"{grpc}\"", "use a name such as UNAVAILABLE or DEADLINE_EXCEEDED");
            }

            ctx.Percentage(ap.Field("percentage"), abort.Percentage);
        }
    }

    private static void ValidateRedirect(ValidationContext ctx, FieldPath p, HttpRedirect? r)
    {
        if (r is null)
        {
            return;
        }

        if (r.Uri is not null && r.PrefixRewrite is not null)
        {
            ctx.Error(p, "uri and prefixRewrite are mutually exclusive");
        }

        if (r.Port is not null && r.DerivePort is not null)
        {
            ctx.Error(p, "port and derivePort are mutually exclusive");
        }

        ctx.Port(p.Field("port"), r.Port);
        if (r.RedirectCode is { } code && code != 0 && (code < 300 || code > 399))
        {
            ctx.Error(p.Field("redirectCode"), $"{code} is not a redirect code (300-399)");
        }

        if (r.Scheme is { Length: > 0 } scheme && !scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            ctx.Error(p.Field("scheme"), $"invalid scheme \"{scheme}\"");
        }
    }

    private static void ValidateDirectResponse(ValidationContext ctx, FieldPath p, HttpDirectResponse? d)
    {
        if (d is null)
        {
            return;
        }

        ctx.Required(p.Field("status"), d.Status);
        if (d.Status is { } status && (status < 200 || status > 599))
        {
            ctx.Error(p.Field("status"), $"status {status} is out of range (200-599)");
        }

        if (d.Body is { String: not null, Bytes: not null })
        {
            ctx.Error(p.Field("body"), "body.string and body.bytes are mutually exclusive");
        }
    }

    private static void ValidateRewrite(ValidationContext ctx, FieldPath p, HttpRewrite? r)
    {
        if (r is null)
        {
            return;
        }

        if (r.Uri is not null && r.UriRegexRewrite is not null)
        {
            ctx.Error(p, "uri and uriRegexRewrite are mutually exclusive");
        }

        if (r.Uri is null && r.Authority is null && r.UriRegexRewrite is null)
        {
            ctx.Error(p, "rewrite needs uri, authority or uriRegexRewrite");
        }

        if (r.UriRegexRewrite is { } rr)
        {
            ctx.Required(p.Field("uriRegexRewrite").Field("match"), rr.Match);
            ctx.Regex(p.Field("uriRegexRewrite").Field("match"), rr.Match);
            if (rr.Rewrite is null)
            {
                ctx.Error(p.Field("uriRegexRewrite").Field("rewrite"), "rewrite is required");
            }
        }
    }

    private static void ValidateCors(ValidationContext ctx, FieldPath p, CorsPolicy? c)
    {
        if (c is null)
        {
            return;
        }

        for (var i = 0; i < (c.AllowOrigins?.Count ?? 0); i++)
        {
            ValidateStringMatch(ctx, p.Field("allowOrigins").At(i), c.AllowOrigins![i], allowEmpty: false);
        }

        for (var i = 0; i < (c.AllowMethods?.Count ?? 0); i++)
        {
            if (!HttpMethods.Contains(c.AllowMethods![i]))
            {
                ctx.Error(p.Field("allowMethods").At(i), $"\"{c.AllowMethods[i]}\" is not an HTTP method", "use upper case: GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD");
            }
        }

        foreach (var (field, list) in new[] { ("allowHeaders", c.AllowHeaders), ("exposeHeaders", c.ExposeHeaders) })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                if (list![i] != "*" && !Names.IsHeaderName(list[i]))
                {
                    ctx.Error(p.Field(field).At(i), $"invalid header name \"{list[i]}\"");
                }
            }
        }

        if (c.MaxAge is { } maxAge)
        {
            if (maxAge.Value < TimeSpan.Zero)
            {
                ctx.Error(p.Field("maxAge"), "maxAge must not be negative");
            }
            else if (maxAge.Value.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                ctx.Error(p.Field("maxAge"), $"maxAge {maxAge} is only accurate to whole seconds", "use a whole number of seconds, e.g. 24h or 30s");
            }
        }
    }

    internal static void ValidateHeaders(ValidationContext ctx, FieldPath p, Headers? h)
    {
        ValidateHeaderOperations(ctx, p.Field("request"), h?.Request);
        ValidateHeaderOperations(ctx, p.Field("response"), h?.Response);
    }

    private static void ValidateHeaderOperations(ValidationContext ctx, FieldPath p, HeaderOperations? ops)
    {
        if (ops is null)
        {
            return;
        }

        foreach (var (field, names) in new[] { ("set", ops.Set?.Keys.ToList()), ("add", ops.Add?.Keys.ToList()), ("remove", ops.Remove) })
        {
            foreach (var name in names ?? [])
            {
                if (name == ":authority" && field != "remove")
                {
                    continue;
                }

                if (!Names.IsHeaderName(name))
                {
                    ctx.Error(p.Field(field).Field(name), $"invalid header name \"{name}\"");
                }
                else if (field == "remove" && name.Equals("host", StringComparison.OrdinalIgnoreCase))
                {
                    ctx.Error(p.Field(field), "the host header cannot be removed");
                }
            }
        }
    }

    private static void ValidateTcpRoute(ValidationContext ctx, FieldPath p, TcpRoute r)
    {
        ValidateL4Routes(ctx, p.Field("route"), r.Route);
        for (var i = 0; i < (r.Match?.Count ?? 0); i++)
        {
            var m = r.Match![i];
            var mp = p.Field("match").At(i);
            ValidateSubnets(ctx, mp.Field("destinationSubnets"), m.DestinationSubnets);
            if (m.SourceSubnet is { } ss && !Names.IsIpOrCidr(ss))
            {
                ctx.Error(mp.Field("sourceSubnet"), $"invalid CIDR \"{ss}\"");
            }

            ctx.Port(mp.Field("port"), m.Port);
            ctx.Labels(mp.Field("sourceLabels"), m.SourceLabels);
            ValidateGateways(ctx, mp.Field("gateways"), m.Gateways);
        }
    }

    private static void ValidateTlsRoute(ValidationContext ctx, FieldPath p, TlsRoute r, List<string> vsHosts)
    {
        if (r.Match is null or { Count: 0 })
        {
            ctx.Error(p.Field("match"), "a TLS route needs at least one match with sniHosts");
        }

        for (var i = 0; i < (r.Match?.Count ?? 0); i++)
        {
            var m = r.Match![i];
            var mp = p.Field("match").At(i);
            if (m.SniHosts is null or { Count: 0 })
            {
                ctx.Error(mp.Field("sniHosts"), "sniHosts is required");
            }

            for (var j = 0; j < (m.SniHosts?.Count ?? 0); j++)
            {
                var sni = m.SniHosts![j];
                if (Names.CheckHost(sni) is { } error)
                {
                    ctx.Error(mp.Field("sniHosts").At(j), error);
                }
                else if (vsHosts.Count > 0 && !vsHosts.Any(h => HostMatching.IsSubsetOf(sni, h)))
                {
                    ctx.Error(mp.Field("sniHosts").At(j), $"sniHost \"{sni}\" is not one of the VirtualService's hosts", "each sniHost must match a host in spec.hosts");
                }
            }

            ValidateSubnets(ctx, mp.Field("destinationSubnets"), m.DestinationSubnets);
            ctx.Port(mp.Field("port"), m.Port);
            ctx.Labels(mp.Field("sourceLabels"), m.SourceLabels);
            ValidateGateways(ctx, mp.Field("gateways"), m.Gateways);
        }

        ValidateL4Routes(ctx, p.Field("route"), r.Route);
    }

    private static void ValidateL4Routes(ValidationContext ctx, FieldPath p, List<RouteDestination>? routes)
    {
        if (routes is null or { Count: 0 })
        {
            ctx.Error(p, "route is required: at least one destination");
            return;
        }

        var total = 0L;
        for (var i = 0; i < routes.Count; i++)
        {
            ValidateDestination(ctx, p.At(i).Field("destination"), routes[i].Destination);
            if (routes[i].Weight is < 0)
            {
                ctx.Error(p.At(i).Field("weight"), $"weight {routes[i].Weight} must not be negative");
            }

            total += Math.Max(0, routes[i].Weight ?? 0);
        }

        if (routes.Count > 1 && total == 0)
        {
            ctx.Error(p, "all destinations have weight 0, so no connection could be routed");
        }
    }

    private static void ValidateSubnets(ValidationContext ctx, FieldPath p, List<string>? subnets)
    {
        for (var i = 0; i < (subnets?.Count ?? 0); i++)
        {
            if (!Names.IsIpOrCidr(subnets![i]))
            {
                ctx.Error(p.At(i), $"invalid IP or CIDR \"{subnets[i]}\"");
            }
        }
    }
}
