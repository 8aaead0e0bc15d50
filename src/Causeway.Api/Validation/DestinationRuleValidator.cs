using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Validation;

/// <summary>Istio's admission rules for DestinationRule.</summary>
internal sealed class DestinationRuleValidator : ResourceValidator<DestinationRule>
{
    protected override void Validate(DestinationRule dr, ValidationContext ctx)
    {
        var spec = dr.Spec;
        var p = ValidationContext.Spec;
        ctx.Required(p.Field("host"), spec.Host);
        if (spec.Host is { Length: > 0 } host && Names.CheckHost(host) is { } error && !Names.IsIp(host))
        {
            ctx.Error(p.Field("host"), error);
        }

        ValidateTrafficPolicy(ctx, p.Field("trafficPolicy"), spec.TrafficPolicy, allowPortLevel: true);

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.Subsets?.Count ?? 0); i++)
        {
            var s = spec.Subsets![i];
            var sp = p.Field("subsets").At(i);
            ctx.Required(sp.Field("name"), s.Name);
            if (s.Name is { Length: > 0 } name)
            {
                if (!Names.IsDns1123Label(name))
                {
                    ctx.Error(sp.Field("name"), $"invalid subset name \"{name}\"", "subset names are DNS labels: lowercase letters, digits and '-'");
                }

                if (!names.Add(name))
                {
                    ctx.Error(sp.Field("name"), $"duplicate subset name \"{name}\"", "subset names must be unique within a DestinationRule");
                }
            }

            ctx.Labels(sp.Field("labels"), s.Labels);
            ValidateTrafficPolicy(ctx, sp.Field("trafficPolicy"), s.TrafficPolicy, allowPortLevel: true);
        }

        ctx.ExportTo(p.Field("exportTo"), spec.ExportTo);
        if (spec.WorkloadSelector?.MatchLabels is { } ml)
        {
            if (ml.Count == 0)
            {
                ctx.Error(p.Field("workloadSelector"), "workloadSelector must select at least one label");
            }

            ctx.Selector(p.Field("workloadSelector").Field("matchLabels"), ml);
        }
    }

    private static void ValidateTrafficPolicy(ValidationContext ctx, FieldPath p, TrafficPolicy? tp, bool allowPortLevel)
    {
        if (tp is null)
        {
            return;
        }

        if (tp.LoadBalancer is null && tp.ConnectionPool is null && tp.OutlierDetection is null && tp.Tls is null &&
            tp.PortLevelSettings is null && tp.Tunnel is null && tp.ProxyProtocol is null && tp.RetryBudget is null)
        {
            ctx.Error(p, "trafficPolicy is empty", "set loadBalancer, connectionPool, outlierDetection, tls or portLevelSettings, or remove it");
        }

        ValidateLoadBalancer(ctx, p.Field("loadBalancer"), tp.LoadBalancer);
        ValidateConnectionPool(ctx, p.Field("connectionPool"), tp.ConnectionPool);
        ValidateOutlier(ctx, p.Field("outlierDetection"), tp.OutlierDetection);
        ValidateTls(ctx, p.Field("tls"), tp.Tls);

        var ports = new HashSet<uint>();
        for (var i = 0; i < (tp.PortLevelSettings?.Count ?? 0); i++)
        {
            var pl = tp.PortLevelSettings![i];
            var pp = p.Field("portLevelSettings").At(i);
            if (!allowPortLevel)
            {
                ctx.Error(pp, "portLevelSettings are not allowed here");
            }

            if (pl.Port?.Number is not { } number)
            {
                ctx.Error(pp.Field("port"), "port is required in portLevelSettings");
            }
            else
            {
                ctx.Port(pp.Field("port").Field("number"), number);
                if (!ports.Add(number))
                {
                    ctx.Error(pp.Field("port"), $"port {number} appears twice in portLevelSettings");
                }
            }

            if (pl.LoadBalancer is null && pl.ConnectionPool is null && pl.OutlierDetection is null && pl.Tls is null)
            {
                ctx.Error(pp, "port traffic policy must set loadBalancer, connectionPool, outlierDetection or tls");
            }

            ValidateLoadBalancer(ctx, pp.Field("loadBalancer"), pl.LoadBalancer);
            ValidateConnectionPool(ctx, pp.Field("connectionPool"), pl.ConnectionPool);
            ValidateOutlier(ctx, pp.Field("outlierDetection"), pl.OutlierDetection);
            ValidateTls(ctx, pp.Field("tls"), pl.Tls);
        }

        if (tp.Tunnel is { } tunnel)
        {
            ctx.Required(p.Field("tunnel").Field("targetHost"), tunnel.TargetHost);
            ctx.Required(p.Field("tunnel").Field("targetPort"), tunnel.TargetPort);
            ctx.Port(p.Field("tunnel").Field("targetPort"), tunnel.TargetPort);
            if (tunnel.Protocol is { } proto && proto is not ("CONNECT" or "POST"))
            {
                ctx.Error(p.Field("tunnel").Field("protocol"), $"tunnel protocol must be CONNECT or POST, not \"{proto}\"");
            }
        }

        if (tp.RetryBudget is { } rb && rb.Percent is { } pct && (pct < 0 || pct > 100))
        {
            ctx.Error(p.Field("retryBudget").Field("percent"), $"percent {pct} is out of range (0-100)");
        }
    }

    internal static void ValidateLoadBalancer(ValidationContext ctx, FieldPath p, LoadBalancerSettings? lb)
    {
        if (lb is null)
        {
            return;
        }

        if (lb.Simple is not null && lb.ConsistentHash is not null)
        {
            ctx.Error(p, "simple and consistentHash are mutually exclusive");
        }

        if (lb.ConsistentHash is { } ch)
        {
            var cp = p.Field("consistentHash");
            var keys = (ch.HttpHeaderName is null ? 0 : 1) + (ch.HttpCookie is null ? 0 : 1) + (ch.UseSourceIp is true ? 1 : 0) + (ch.HttpQueryParameterName is null ? 0 : 1);
            if (keys == 0)
            {
                ctx.Error(cp, "consistentHash needs a key: httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName");
            }
            else if (keys > 1)
            {
                ctx.Error(cp, "httpHeaderName, httpCookie, useSourceIp and httpQueryParameterName are mutually exclusive");
            }

            if (ch.HttpHeaderName is { } header && !Names.IsHeaderName(header))
            {
                ctx.Error(cp.Field("httpHeaderName"), $"invalid header name \"{header}\"");
            }

            if (ch.HttpCookie is { } cookie)
            {
                ctx.Required(cp.Field("httpCookie").Field("name"), cookie.Name);
                ctx.Duration(cp.Field("httpCookie").Field("ttl"), cookie.Ttl, TimeSpan.Zero);
            }

            if (ch.RingHash is not null && ch.Maglev is not null)
            {
                ctx.Error(cp, "ringHash and maglev are mutually exclusive");
            }

            if (ch.Maglev?.TableSize is { } size && !IsPrime(size))
            {
                ctx.Error(cp.Field("maglev").Field("tableSize"), $"maglev tableSize {size} must be a prime number", "for example 65537 (the default) or 131");
            }

            if (ch.Maglev?.TableSize is >= 5000011)
            {
                ctx.Error(cp.Field("maglev").Field("tableSize"), "maglev tableSize must be smaller than 5000011");
            }
        }

        if (lb.LocalityLbSetting is { } loc)
        {
            var lp = p.Field("localityLbSetting");
            var modes = (loc.Distribute is { Count: > 0 } ? 1 : 0) + (loc.Failover is { Count: > 0 } ? 1 : 0) + (loc.FailoverPriority is { Count: > 0 } ? 1 : 0);
            if (loc.Distribute is { Count: > 0 } && modes > 1)
            {
                ctx.Error(lp, "distribute cannot be combined with failover or failoverPriority");
            }

            for (var i = 0; i < (loc.Distribute?.Count ?? 0); i++)
            {
                var d = loc.Distribute![i];
                var dp = lp.Field("distribute").At(i);
                ctx.Required(dp.Field("from"), d.From);
                var sum = d.To?.Values.Sum(v => (long)v) ?? 0;
                if (sum != 100)
                {
                    ctx.Error(dp.Field("to"), $"locality weights must sum to 100, not {sum}");
                }
            }

            for (var i = 0; i < (loc.Failover?.Count ?? 0); i++)
            {
                var f = loc.Failover![i];
                var fp = lp.Field("failover").At(i);
                ctx.Required(fp.Field("from"), f.From);
                ctx.Required(fp.Field("to"), f.To);
                if (f.From is not null && f.From == f.To)
                {
                    ctx.Error(fp, $"failover from and to are the same region \"{f.From}\"");
                }

                if (f.From?.Contains('/', StringComparison.Ordinal) == true || f.To?.Contains('/', StringComparison.Ordinal) == true)
                {
                    ctx.Error(fp, "failover is between regions: from and to must not contain '/'");
                }
            }
        }

        if (lb.Warmup is { } warmup)
        {
            ctx.Required(p.Field("warmup").Field("duration"), warmup.Duration);
            ctx.Duration(p.Field("warmup").Field("duration"), warmup.Duration);
            if (warmup.MinimumPercent is { } mp && (mp < 0 || mp > 100))
            {
                ctx.Error(p.Field("warmup").Field("minimumPercent"), $"minimumPercent {mp} is out of range (0-100)");
            }

            if (warmup.Aggression is < 1)
            {
                ctx.Error(p.Field("warmup").Field("aggression"), "aggression must be at least 1.0");
            }
        }

        if (lb.Warmup is not null && lb.WarmupDurationSecs is not null)
        {
            ctx.Error(p, "warmup and warmupDurationSecs are mutually exclusive");
        }

        if ((lb.Warmup is not null || lb.WarmupDurationSecs is not null) &&
            lb.Simple is not (null or SimpleLb.RoundRobin or SimpleLb.LeastRequest or SimpleLb.LeastConn or SimpleLb.Unspecified))
        {
            ctx.Error(p.Field("warmup"), "warmup is supported only with ROUND_ROBIN and LEAST_REQUEST");
        }
    }

    private static void ValidateConnectionPool(ValidationContext ctx, FieldPath p, ConnectionPoolSettings? cp)
    {
        if (cp is null)
        {
            return;
        }

        if (cp.Tcp is null && cp.Http is null)
        {
            ctx.Error(p, "connectionPool must set tcp or http");
        }

        if (cp.Tcp is { } tcp)
        {
            var tp = p.Field("tcp");
            Positive(ctx, tp.Field("maxConnections"), tcp.MaxConnections);
            ctx.Duration(tp.Field("connectTimeout"), tcp.ConnectTimeout);
            ctx.Duration(tp.Field("maxConnectionDuration"), tcp.MaxConnectionDuration);
            ctx.Duration(tp.Field("idleTimeout"), tcp.IdleTimeout, TimeSpan.Zero);
            if (tcp.TcpKeepalive is { } ka)
            {
                ctx.Duration(tp.Field("tcpKeepalive").Field("time"), ka.Time, TimeSpan.FromSeconds(1));
                ctx.Duration(tp.Field("tcpKeepalive").Field("interval"), ka.Interval, TimeSpan.FromSeconds(1));
            }
        }

        if (cp.Http is { } http)
        {
            var hp = p.Field("http");
            Positive(ctx, hp.Field("http1MaxPendingRequests"), http.Http1MaxPendingRequests);
            Positive(ctx, hp.Field("http2MaxRequests"), http.Http2MaxRequests);
            NonNegative(ctx, hp.Field("maxRequestsPerConnection"), http.MaxRequestsPerConnection);
            NonNegative(ctx, hp.Field("maxRetries"), http.MaxRetries);
            Positive(ctx, hp.Field("maxConcurrentStreams"), http.MaxConcurrentStreams);
            ctx.Duration(hp.Field("idleTimeout"), http.IdleTimeout, TimeSpan.Zero);
        }
    }

    private static void ValidateOutlier(ValidationContext ctx, FieldPath p, OutlierDetection? od)
    {
        if (od is null)
        {
            return;
        }

        ctx.Duration(p.Field("interval"), od.Interval);
        ctx.Duration(p.Field("baseEjectionTime"), od.BaseEjectionTime);
        if (od.ConsecutiveErrors is < 0)
        {
            ctx.Error(p.Field("consecutiveErrors"), "consecutiveErrors must not be negative");
        }

        if (od.MaxEjectionPercent is < 0 or > 100)
        {
            ctx.Error(p.Field("maxEjectionPercent"), $"maxEjectionPercent {od.MaxEjectionPercent} is out of range (0-100)");
        }

        if (od.MinHealthPercent is < 0 or > 100)
        {
            ctx.Error(p.Field("minHealthPercent"), $"minHealthPercent {od.MinHealthPercent} is out of range (0-100)");
        }

        if (od.ConsecutiveGatewayErrors is > 0 && od.Consecutive5xxErrors is > 0 && od.ConsecutiveGatewayErrors >= od.Consecutive5xxErrors)
        {
            ctx.Warning(p.Field("consecutiveGatewayErrors"), "consecutiveGatewayErrors has no effect when it is not below consecutive5xxErrors");
        }
    }

    internal static void ValidateTls(ValidationContext ctx, FieldPath p, ClientTlsSettings? tls)
    {
        if (tls is null)
        {
            return;
        }

        if (tls.Mode == ClientTlsMode.Mutual && tls.CredentialName is null && (tls.ClientCertificate is null || tls.PrivateKey is null))
        {
            ctx.Error(p, "MUTUAL TLS needs clientCertificate and privateKey (or credentialName)");
        }

        if (tls.Mode is ClientTlsMode.IstioMutual or ClientTlsMode.Disable &&
            (tls.ClientCertificate ?? tls.PrivateKey ?? tls.CaCertificates ?? tls.CredentialName) is not null)
        {
            ctx.Error(p, $"certificates cannot be set with tls mode {(tls.Mode == ClientTlsMode.IstioMutual ? "ISTIO_MUTUAL" : "DISABLE")}", "ISTIO_MUTUAL uses the mesh's certificates");
        }

        if (tls.CredentialName is not null && (tls.ClientCertificate ?? tls.PrivateKey ?? tls.CaCertificates) is not null)
        {
            ctx.Error(p, "credentialName cannot be combined with clientCertificate, privateKey or caCertificates");
        }
    }

    private static void Positive(ValidationContext ctx, FieldPath p, int? value)
    {
        if (value is <= 0)
        {
            ctx.Error(p, $"{p.Name} must be greater than 0");
        }
    }

    private static void NonNegative(ValidationContext ctx, FieldPath p, int? value)
    {
        if (value is < 0)
        {
            ctx.Error(p, $"{p.Name} must not be negative");
        }
    }

    private static bool IsPrime(ulong n)
    {
        if (n < 2)
        {
            return false;
        }

        for (ulong d = 2; d * d <= n; d++)
        {
            if (n % d == 0)
            {
                return false;
            }
        }

        return true;
    }
}
