using Causeway.Expressions;
using Causeway.Proxy.Balancing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// A finished request's Envoy attributes (request.*, response.*, source/destination, upstream, xds) for the CEL
/// filters of access logs. Built only when a log entry has a filter to pass.
/// </summary>
internal sealed class RequestAttributes(
    HttpContext ctx, int status, string flags, string details, string cluster, UpstreamEndpoint? endpoint, string routeName,
    long bytesReceived, long bytesSent, TimeSpan elapsed, string requestId) : ICelActivation
{
    /// <summary>Envoy's StreamInfo::ResponseFlag bits, so <c>response.flags</c> compares as Envoy's does.</summary>
    private static readonly Dictionary<string, long> FlagBits = new(StringComparer.Ordinal)
    {
        ["LH"] = 0x1, ["UH"] = 0x2, ["UT"] = 0x4, ["LR"] = 0x8, ["UR"] = 0x10, ["UF"] = 0x20, ["UC"] = 0x40, ["UO"] = 0x80,
        ["NR"] = 0x100, ["DI"] = 0x200, ["FI"] = 0x400, ["RL"] = 0x800, ["UAEX"] = 0x1000, ["RLSE"] = 0x2000, ["DC"] = 0x4000,
        ["URX"] = 0x8000, ["SI"] = 0x10000, ["IH"] = 0x20000, ["DPE"] = 0x40000, ["UMSDR"] = 0x80000, ["RFCF"] = 0x100000,
        ["NFCF"] = 0x200000, ["DT"] = 0x400000, ["UPE"] = 0x800000, ["NC"] = 0x1000000, ["OM"] = 0x2000000,
    };

    public bool TryResolve(string name, out object? value)
    {
        var request = ctx.Request;
        value = name switch
        {
            "request.url_path" => Text(ctx, name) ?? "/",
            "request.id" => requestId.Length > 0 ? requestId : Text(ctx, name) ?? "",
            "request.path" or "request.host" or "request.scheme" or "request.method" or "request.referer" or "request.useragent" or "request.protocol" => Text(ctx, name) ?? "",
            "request.headers" => new HeaderMap(request.Headers),
            "request.size" => bytesReceived,
            "request.duration" => elapsed,
            "response.code" => (long)status,
            "response.code_details" => details,
            "response.flags" => Bits(flags),
            "response.grpc_status" => GrpcStatus(),
            "response.headers" => new HeaderMap(ctx.Response.Headers),
            "response.size" => bytesSent,
            "source.address" => $"{ctx.Connection.RemoteIpAddress}:{ctx.Connection.RemotePort}",
            "source.port" => (long)ctx.Connection.RemotePort,
            "destination.address" => $"{ctx.Connection.LocalIpAddress}:{ctx.Connection.LocalPort}",
            "destination.port" => (long)ctx.Connection.LocalPort,
            "connection.mtls" => false, // plaintext until the mesh CA lands
            "connection.requested_server_name" => ctx.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>()?.HostName ?? "",
            "upstream.address" => endpoint?.Key ?? (object)Missing,
            "upstream.port" => endpoint is null ? Missing : (long)endpoint.Port,
            "xds.cluster_name" => cluster,
            "xds.route_name" => routeName,
            _ => Missing,
        };
        if (ReferenceEquals(value, Missing))
        {
            value = null;
            return false;
        }

        return true;
    }

    private static readonly object Missing = new();

    /// <summary>
    /// The request's own text attributes (request.method, .host, .path, .url_path, .scheme, .protocol, .id,
    /// .useragent, .referer) as strings the request already holds, or null when it does not carry one (a header not
    /// sent). Access log filters and metric tag values both read them here.
    /// </summary>
    public static string? Text(HttpContext ctx, string attribute)
    {
        var request = ctx.Request;
        return attribute switch
        {
            "request.method" => request.Method,
            "request.host" => request.Host.Value,
            "request.path" => ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString,
            "request.url_path" => request.Path.Value,
            "request.scheme" => request.Scheme,
            "request.protocol" => request.Protocol,
            "request.id" => Header(request.Headers["x-request-id"]),
            "request.useragent" => Header(request.Headers.UserAgent),
            "request.referer" => Header(request.Headers.Referer),
            _ => null,
        };
    }

    /// <summary>One header's value: the single value as received, several joined with commas, null when absent.</summary>
    private static string? Header(Microsoft.Extensions.Primitives.StringValues values) => values.Count switch
    {
        0 => null,
        1 => values[0],
        _ => values.ToString(),
    };

    private static long Bits(string flags)
    {
        long bits = 0;
        foreach (var flag in flags.Split(','))
        {
            bits |= FlagBits.GetValueOrDefault(flag);
        }

        return bits;
    }

    private object GrpcStatus() =>
        (ctx.Response.Headers["grpc-status"].Count > 0 ? ctx.Response.Headers["grpc-status"] : ctx.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"] ?? default) is { Count: > 0 } s &&
        long.TryParse(s[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            ? code
            : Missing;

    /// <summary>Headers by lower-case name, as Envoy's request.headers map; several values are joined with commas.</summary>
    private sealed class HeaderMap(IHeaderDictionary headers) : CelMap
    {
        public override bool TryGet(string key, out object? value)
        {
            var found = headers.TryGetValue(key, out var values);
            value = found ? values.ToString() : null;
            return found;
        }
    }
}
