using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Validation;

/// <summary>Istio's admission rules for Gateway.</summary>
internal sealed class GatewayValidator : ResourceValidator<Gateway>
{
    protected override void Validate(Gateway gw, ValidationContext ctx)
    {
        VirtualServiceValidator.ValidateRateLimitAnnotations(gw, ctx);
        var p = ValidationContext.Spec;
        var servers = gw.Spec.Servers;
        if (servers is null or { Count: 0 })
        {
            ctx.Error(p.Field("servers"), "gateway must have at least one server");
        }

        ctx.Labels(p.Field("selector"), gw.Spec.Selector);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (servers?.Count ?? 0); i++)
        {
            var s = servers![i];
            var sp = p.Field("servers").At(i);
            ValidatePort(ctx, sp.Field("port"), s.Port, Protocols.GatewayProtocols);
            if (s.Name is { Length: > 0 } name && !names.Add(name))
            {
                ctx.Error(sp.Field("name"), $"server name \"{name}\" is not unique");
            }

            if (s.Hosts is null or { Count: 0 })
            {
                ctx.Error(sp.Field("hosts"), "server must have at least one host");
            }

            for (var j = 0; j < (s.Hosts?.Count ?? 0); j++)
            {
                ValidateServerHost(ctx, sp.Field("hosts").At(j), s.Hosts![j]);
            }

            if (s.Bind is { Length: > 0 } bind && !Names.IsIp(bind) && !bind.StartsWith("unix://", StringComparison.Ordinal))
            {
                ctx.Error(sp.Field("bind"), $"bind \"{bind}\" must be an IP address or unix:// path");
            }

            var protocol = s.Port?.Protocol?.ToUpperInvariant();
            if (protocol == "HTTPS" && s.Tls is null)
            {
                ctx.Error(sp.Field("tls"), "an HTTPS server needs tls settings", "add tls: {mode: SIMPLE, credentialName: ...}");
            }

            if (s.Tls is { } tls)
            {
                ValidateServerTls(ctx, sp.Field("tls"), tls, protocol);
            }
        }
    }

    internal static void ValidatePort(ValidationContext ctx, FieldPath p, GatewayPort? port, IReadOnlyList<string> protocols)
    {
        if (port is null)
        {
            ctx.Error(p, "port is required");
            return;
        }

        ctx.Required(p.Field("number"), port.Number);
        ctx.Port(p.Field("number"), port.Number);
        ctx.Port(p.Field("targetPort"), port.TargetPort);
        ctx.Required(p.Field("protocol"), port.Protocol);
        if (port.Protocol is { Length: > 0 } proto && !protocols.Contains(proto.ToUpperInvariant()))
        {
            ctx.Error(p.Field("protocol"), $"unknown protocol \"{proto}\"", $"use one of {string.Join(", ", protocols)}");
        }

        ctx.Required(p.Field("name"), port.Name);
    }

    private static void ValidateServerHost(ValidationContext ctx, FieldPath p, string host)
    {
        var slash = host.IndexOf('/', StringComparison.Ordinal);
        var ns = slash < 0 ? null : host[..slash];
        var name = slash < 0 ? host : host[(slash + 1)..];
        if (ns is not null && ns is not "*" and not "." and not "~" && !Names.IsDns1123Label(ns))
        {
            ctx.Error(p, $"invalid namespace \"{ns}\" in host \"{host}\"", "use */host, ./host or namespace/host");
        }

        if (host.Count(c => c == '/') > 1)
        {
            ctx.Error(p, $"invalid host \"{host}\": at most one '/'");
        }
        else if (Names.CheckHost(name) is { } error && !Names.IsIp(name))
        {
            ctx.Error(p, error);
        }
    }

    internal static void ValidateServerTls(ValidationContext ctx, FieldPath p, ServerTlsSettings tls, string? protocol)
    {
        if (tls.HttpsRedirect == true && protocol is not ("HTTP" or null))
        {
            // Istio accepts httpsRedirect only meaningfully on plain HTTP servers.
            ctx.Warning(p.Field("httpsRedirect"), "httpsRedirect only has an effect on an HTTP server");
        }

        var mode = tls.Mode ?? ServerTlsMode.Passthrough;
        var hasFiles = tls.ServerCertificate is not null || tls.PrivateKey is not null;
        var hasCredential = tls.CredentialName is not null || tls.CredentialNames is { Count: > 0 };
        if (mode is ServerTlsMode.Simple or ServerTlsMode.Mutual or ServerTlsMode.OptionalMutual && tls.HttpsRedirect != true)
        {
            if (!hasCredential && tls.TlsCertificates is null or { Count: 0 })
            {
                if (tls.ServerCertificate is null)
                {
                    ctx.Error(p.Field("serverCertificate"), $"{ModeName(mode)} TLS needs serverCertificate and privateKey, or credentialName");
                }

                if (tls.PrivateKey is null)
                {
                    ctx.Error(p.Field("privateKey"), $"{ModeName(mode)} TLS needs serverCertificate and privateKey, or credentialName");
                }
            }

            if (mode is ServerTlsMode.Mutual or ServerTlsMode.OptionalMutual && !hasCredential && tls.CaCertificates is null && tls.CaCertCredentialName is null)
            {
                ctx.Error(p.Field("caCertificates"), $"{ModeName(mode)} TLS needs caCertificates to verify clients, or credentialName");
            }
        }

        if (hasCredential && hasFiles)
        {
            ctx.Error(p, "credentialName cannot be combined with serverCertificate or privateKey");
        }

        if (tls.CredentialName is not null && tls.CredentialNames is { Count: > 0 })
        {
            ctx.Error(p, "credentialName and credentialNames are mutually exclusive");
        }

        if (tls.CredentialNames is { Count: > 2 })
        {
            ctx.Error(p.Field("credentialNames"), "at most two credentialNames (one RSA, one ECDSA)");
        }

        if (tls.TlsCertificates is { Count: > 2 })
        {
            ctx.Error(p.Field("tlsCertificates"), "at most two tlsCertificates (one RSA, one ECDSA)");
        }

        if (tls.MinProtocolVersion is { } min && tls.MaxProtocolVersion is { } max && max != TlsProtocolVersion.TlsAuto && min > max)
        {
            ctx.Error(p.Field("minProtocolVersion"), "minProtocolVersion is higher than maxProtocolVersion");
        }

        ValidateCipherSuites(ctx, p.Field("cipherSuites"), tls.CipherSuites);

        if (tls.Mode is ServerTlsMode.Passthrough or ServerTlsMode.AutoPassthrough && protocol is "HTTP" or "HTTP2" or "GRPC")
        {
            ctx.Error(p.Field("mode"), $"{ModeName(mode)} TLS is for TLS or HTTPS servers, not {protocol}");
        }
    }

    /// <summary>
    /// Istio (validateTLSOptions) warns about names it does not know and about repeats, and ignores them; the proxy
    /// then offers only the valid ones (TLS 1.3's own suites are not configurable, in Envoy as here).
    /// </summary>
    private static void ValidateCipherSuites(ValidationContext ctx, FieldPath p, List<string>? suites)
    {
        if (suites is not { Count: > 0 })
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var invalid = new SortedSet<string>(StringComparer.Ordinal);
        var duplicate = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var suite in suites)
        {
            if (!TlsCipherSuiteNames.IsValid(suite))
            {
                invalid.Add(suite);
            }
            else if (!seen.Add(suite))
            {
                duplicate.Add(suite);
            }
        }

        if (invalid.Count > 0)
        {
            ctx.Warning(p, $"ignoring invalid cipher suites: {string.Join(", ", invalid)}", invalid.Count == suites.Count
                ? "no valid suite is left, so the platform's defaults apply; use OpenSSL names such as ECDHE-RSA-AES256-GCM-SHA384"
                : "use OpenSSL names such as ECDHE-RSA-AES256-GCM-SHA384");
        }

        if (duplicate.Count > 0)
        {
            ctx.Warning(p, $"ignoring duplicate cipher suites: {string.Join(", ", duplicate)}");
        }
    }

    private static string ModeName(ServerTlsMode mode) => mode switch
    {
        ServerTlsMode.Simple => "SIMPLE",
        ServerTlsMode.Mutual => "MUTUAL",
        ServerTlsMode.OptionalMutual => "OPTIONAL_MUTUAL",
        ServerTlsMode.AutoPassthrough => "AUTO_PASSTHROUGH",
        ServerTlsMode.IstioMutual => "ISTIO_MUTUAL",
        _ => "PASSTHROUGH",
    };
}
