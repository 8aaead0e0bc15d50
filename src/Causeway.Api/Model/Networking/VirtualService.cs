using System.Text.Json.Serialization;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Model.Networking;

/// <summary>networking.istio.io VirtualService (v1, v1beta1 and v1alpha3 share this schema).</summary>
public sealed class VirtualService : Resource<VirtualServiceSpec>;

public sealed class VirtualServiceSpec
{
    /// <summary>Destination hosts; short names resolve against the VirtualService's namespace.</summary>
    public List<string>? Hosts { get; set; }

    /// <summary>Gateways and sidecars the rules apply to; omitted means <c>[mesh]</c>.</summary>
    public List<string>? Gateways { get; set; }

    public List<HttpRoute>? Http { get; set; }

    public List<TlsRoute>? Tls { get; set; }

    public List<TcpRoute>? Tcp { get; set; }

    /// <summary>Namespaces that can see this VirtualService; empty means all (<c>*</c>).</summary>
    public List<string>? ExportTo { get; set; }

    /// <summary>Istio's default when <c>gateways</c> is omitted.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> EffectiveGateways => Gateways is { Count: > 0 } ? Gateways : IstioDefaults.MeshGatewayList;
}

public sealed class HttpRoute
{
    public string? Name { get; set; }

    public List<HttpMatchRequest>? Match { get; set; }

    public List<HttpRouteDestination>? Route { get; set; }

    public HttpRedirect? Redirect { get; set; }

    public HttpDirectResponse? DirectResponse { get; set; }

    public Delegate? Delegate { get; set; }

    public HttpRewrite? Rewrite { get; set; }

    /// <summary>Route timeout covering all retries; Istio's default is none.</summary>
    public ProtoDuration? Timeout { get; set; }

    public HttpRetry? Retries { get; set; }

    public HttpFaultInjection? Fault { get; set; }

    public Destination? Mirror { get; set; }

    /// <summary>Deprecated integer form of <see cref="MirrorPercentage"/>.</summary>
    public uint? MirrorPercent { get; set; }

    /// <summary>Share of requests mirrored; absent means 100%.</summary>
    public Percent? MirrorPercentage { get; set; }

    public List<HttpMirrorPolicy>? Mirrors { get; set; }

    public CorsPolicy? CorsPolicy { get; set; }

    public Headers? Headers { get; set; }
}

public sealed class HttpMatchRequest
{
    public string? Name { get; set; }

    public StringMatch? Uri { get; set; }

    public StringMatch? Scheme { get; set; }

    public StringMatch? Method { get; set; }

    public StringMatch? Authority { get; set; }

    public Dictionary<string, StringMatch?>? Headers { get; set; }

    public uint? Port { get; set; }

    public Dictionary<string, string>? SourceLabels { get; set; }

    public List<string>? Gateways { get; set; }

    public Dictionary<string, StringMatch?>? QueryParams { get; set; }

    public bool? IgnoreUriCase { get; set; }

    public Dictionary<string, StringMatch?>? WithoutHeaders { get; set; }

    public string? SourceNamespace { get; set; }

    public string? StatPrefix { get; set; }
}

/// <summary>Exactly one of exact, prefix or regex (RE2 syntax). An empty match means presence only (headers).</summary>
public sealed class StringMatch
{
    public string? Exact { get; set; }

    public string? Prefix { get; set; }

    public string? Regex { get; set; }
}

public sealed class HttpRouteDestination
{
    public Destination? Destination { get; set; }

    /// <summary>Relative weight: a destination receives weight / sum of weights.</summary>
    public int? Weight { get; set; }

    public Headers? Headers { get; set; }
}

public sealed class RouteDestination
{
    public Destination? Destination { get; set; }

    public int? Weight { get; set; }
}

public sealed class Destination
{
    public string? Host { get; set; }

    public string? Subset { get; set; }

    public PortSelector? Port { get; set; }
}

public sealed class PortSelector
{
    public uint? Number { get; set; }
}

public sealed class Delegate
{
    public string? Name { get; set; }

    /// <summary>Defaults to the namespace of the root VirtualService.</summary>
    public string? Namespace { get; set; }
}

public sealed class Headers
{
    public HeaderOperations? Request { get; set; }

    public HeaderOperations? Response { get; set; }
}

public sealed class HeaderOperations
{
    public Dictionary<string, string>? Set { get; set; }

    public Dictionary<string, string>? Add { get; set; }

    public List<string>? Remove { get; set; }
}

public sealed class HttpRedirect
{
    /// <summary>Replaces the whole path (even for a prefix match); the query string is kept.</summary>
    public string? Uri { get; set; }

    public string? Authority { get; set; }

    public uint? Port { get; set; }

    public RedirectPortSelection? DerivePort { get; set; }

    public string? Scheme { get; set; }

    /// <summary>Defaults to 301.</summary>
    public uint? RedirectCode { get; set; }

    /// <summary>Replaces the matched prefix (needs a prefix match; not with <c>uri</c>).</summary>
    public string? PrefixRewrite { get; set; }

    [JsonIgnore]
    public uint EffectiveRedirectCode => RedirectCode is > 0 ? RedirectCode.Value : IstioDefaults.RedirectCode;
}

public enum RedirectPortSelection
{
    [JsonStringEnumMemberName("FROM_PROTOCOL_DEFAULT")]
    FromProtocolDefault,
    [JsonStringEnumMemberName("FROM_REQUEST_PORT")]
    FromRequestPort,
}

public sealed class HttpDirectResponse
{
    public uint? Status { get; set; }

    public HttpBody? Body { get; set; }
}

public sealed class HttpBody
{
    public string? String { get; set; }

    /// <summary>Base64 in YAML.</summary>
    public byte[]? Bytes { get; set; }
}

public sealed class HttpRewrite
{
    public string? Uri { get; set; }

    public string? Authority { get; set; }

    public RegexRewrite? UriRegexRewrite { get; set; }
}

public sealed class RegexRewrite
{
    public string? Match { get; set; }

    public string? Rewrite { get; set; }
}

public sealed class HttpRetry
{
    /// <summary>Retries allowed; 0 disables retries. Istio's default policy uses 2.</summary>
    public int? Attempts { get; set; }

    public ProtoDuration? PerTryTimeout { get; set; }

    /// <summary>Comma list of Envoy retry conditions and HTTP status codes.</summary>
    public string? RetryOn { get; set; }

    public bool? RetryRemoteLocalities { get; set; }

    /// <summary>Defaults to true (retry on another host).</summary>
    public bool? RetryIgnorePreviousHosts { get; set; }

    /// <summary>Base interval of the exponential backoff; defaults to 25ms.</summary>
    public ProtoDuration? Backoff { get; set; }
}

public sealed class CorsPolicy
{
    /// <summary>Deprecated: use <see cref="AllowOrigins"/>.</summary>
    public List<string>? AllowOrigin { get; set; }

    public List<StringMatch>? AllowOrigins { get; set; }

    public List<string>? AllowMethods { get; set; }

    public List<string>? AllowHeaders { get; set; }

    public List<string>? ExposeHeaders { get; set; }

    public ProtoDuration? MaxAge { get; set; }

    public bool? AllowCredentials { get; set; }

    public UnmatchedPreflights? UnmatchedPreflights { get; set; }
}

public enum UnmatchedPreflights
{
    [JsonStringEnumMemberName("UNSPECIFIED")]
    Unspecified,
    [JsonStringEnumMemberName("FORWARD")]
    Forward,
    [JsonStringEnumMemberName("IGNORE")]
    Ignore,
}

public sealed class HttpFaultInjection
{
    public FaultDelay? Delay { get; set; }

    public FaultAbort? Abort { get; set; }
}

public sealed class FaultDelay
{
    public ProtoDuration? FixedDelay { get; set; }

    /// <summary>Not implemented by Istio either; kept so configs that set it load.</summary>
    public ProtoDuration? ExponentialDelay { get; set; }

    /// <summary>Unset means no request is delayed.</summary>
    public Percent? Percentage { get; set; }

    /// <summary>Deprecated integer form of <see cref="Percentage"/>.</summary>
    public int? Percent { get; set; }
}

public sealed class FaultAbort
{
    public int? HttpStatus { get; set; }

    /// <summary>gRPC status name, e.g. <c>UNAVAILABLE</c>.</summary>
    public string? GrpcStatus { get; set; }

    public string? Http2Error { get; set; }

    /// <summary>Unset means no request is aborted.</summary>
    public Percent? Percentage { get; set; }
}

public sealed class HttpMirrorPolicy
{
    public Destination? Destination { get; set; }

    public Percent? Percentage { get; set; }
}

public sealed class TlsRoute
{
    public List<TlsMatchAttributes>? Match { get; set; }

    public List<RouteDestination>? Route { get; set; }
}

public sealed class TlsMatchAttributes
{
    public List<string>? SniHosts { get; set; }

    public List<string>? DestinationSubnets { get; set; }

    public uint? Port { get; set; }

    public Dictionary<string, string>? SourceLabels { get; set; }

    public List<string>? Gateways { get; set; }

    public string? SourceNamespace { get; set; }
}

public sealed class TcpRoute
{
    public List<L4MatchAttributes>? Match { get; set; }

    public List<RouteDestination>? Route { get; set; }
}

public sealed class L4MatchAttributes
{
    public List<string>? DestinationSubnets { get; set; }

    public uint? Port { get; set; }

    public string? SourceSubnet { get; set; }

    public Dictionary<string, string>? SourceLabels { get; set; }

    public List<string>? Gateways { get; set; }

    public string? SourceNamespace { get; set; }
}
