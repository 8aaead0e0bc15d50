using Causeway.Api.Loading;

namespace Causeway.Api.Analysis;

/// <summary>
/// Reads the MeshConfig settings analysis depends on from an Istio mesh config file (the <c>mesh</c> key of the
/// istio ConfigMap): rootNamespace, and the DNS proxy metadata that makes Istio allocate ServiceEntry addresses.
/// </summary>
public static class MeshConfigFile
{
    /// <summary>
    /// MeshConfig <c>defaultHttpRetryPolicy</c>: the retry policy of every HTTP route without a <c>retries</c> block
    /// (attempts, perTryTimeout, retryOn, retryRemoteLocalities, backoff); null when the file does not set one.
    /// </summary>
    public static Model.Networking.HttpRetry? DefaultHttpRetryPolicy(string yaml)
    {
        if (YamlDocumentReader.Read(yaml).FirstOrDefault()?.Root is not YamlMap root || root.Get("defaultHttpRetryPolicy") is not YamlMap retry)
        {
            return null;
        }

        var policy = new Model.Networking.HttpRetry { RetryOn = retry.GetString("retryOn") };
        if (retry.GetString("attempts") is { } attempts)
        {
            policy.Attempts = int.TryParse(attempts, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                ? n
                : throw new FormatException($"defaultHttpRetryPolicy.attempts must be a non-negative integer, not \"{attempts}\"");
        }

        policy.PerTryTimeout = Duration(retry, "perTryTimeout");
        policy.Backoff = Duration(retry, "backoff");
        if (retry.GetString("retryRemoteLocalities") is { } remote)
        {
            policy.RetryRemoteLocalities = remote.Equals("true", StringComparison.OrdinalIgnoreCase);
        }

        return policy;
    }

    /// <summary>
    /// MeshConfig <c>pathNormalization.normalization</c>: NONE, BASE, MERGE_SLASHES or DECODE_AND_MERGE_SLASHES
    /// (DEFAULT and an absent setting are BASE, Istio's default); anything else throws a FormatException naming it.
    /// </summary>
    public static string PathNormalization(string yaml)
    {
        if (YamlDocumentReader.Read(yaml).FirstOrDefault()?.Root is not YamlMap root ||
            (root.Get("pathNormalization") as YamlMap)?.GetString("normalization") is not { } value)
        {
            return "BASE";
        }

        return value.ToUpperInvariant() switch
        {
            "DEFAULT" or "BASE" => "BASE",
            "NONE" or "MERGE_SLASHES" or "DECODE_AND_MERGE_SLASHES" => value.ToUpperInvariant(),
            _ => throw new FormatException($"pathNormalization.normalization must be one of DEFAULT, NONE, BASE, MERGE_SLASHES, DECODE_AND_MERGE_SLASHES, not \"{value}\""),
        };
    }

    /// <summary>
    /// MeshConfig <c>outboundTrafficPolicy.mode</c>: ALLOW_ANY (absent: Istio's default; ALLOW_ANY_DYNAMIC_DNS is
    /// the same for routing) or REGISTRY_ONLY; anything else throws a FormatException naming it.
    /// </summary>
    public static string OutboundTrafficPolicy(string yaml)
    {
        if (YamlDocumentReader.Read(yaml).FirstOrDefault()?.Root is not YamlMap root ||
            (root.Get("outboundTrafficPolicy") as YamlMap)?.GetString("mode") is not { } value)
        {
            return "ALLOW_ANY";
        }

        return value.ToUpperInvariant() switch
        {
            "ALLOW_ANY" or "ALLOW_ANY_DYNAMIC_DNS" => "ALLOW_ANY",
            "REGISTRY_ONLY" => "REGISTRY_ONLY",
            _ => throw new FormatException($"outboundTrafficPolicy.mode must be ALLOW_ANY or REGISTRY_ONLY, not \"{value}\""),
        };
    }

    /// <summary>MeshConfig accessLogFile and accessLogEncoding (TEXT or JSON): where every proxy writes its access log.</summary>
    public static (string File, bool Json) AccessLog(string yaml)
    {
        if (YamlDocumentReader.Read(yaml).FirstOrDefault()?.Root is not YamlMap root)
        {
            return ("", false);
        }

        return (root.GetString("accessLogFile") ?? "", string.Equals(root.GetString("accessLogEncoding"), "JSON", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// MeshConfig <c>defaultConfig.gatewayTopology.numTrustedProxies</c>: how many proxies in front of the gateways
    /// append to X-Forwarded-For (0, Istio's default, when unset); anything but a non-negative integer throws.
    /// </summary>
    public static uint NumTrustedProxies(string yaml)
    {
        if (YamlDocumentReader.Read(yaml).FirstOrDefault()?.Root is not YamlMap root ||
            ((root.Get("defaultConfig") as YamlMap)?.Get("gatewayTopology") as YamlMap)?.GetString("numTrustedProxies") is not { } text)
        {
            return 0;
        }

        return uint.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"defaultConfig.gatewayTopology.numTrustedProxies must be a non-negative integer, not \"{text}\"");
    }

    /// <summary>MeshConfig's tracing defaults and OpenTelemetry providers; malformed entries throw a FormatException naming the field.</summary>
    public static MeshTracing Tracing(string yaml)
    {
        if (YamlDocumentReader.Read(yaml).FirstOrDefault()?.Root is not YamlMap root)
        {
            return MeshTracing.None;
        }

        double? sampling = null;
        if (((root.Get("defaultConfig") as YamlMap)?.Get("tracing") as YamlMap)?.GetString("sampling") is { } text)
        {
            sampling = double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 100
                ? p
                : throw new FormatException($"defaultConfig.tracing.sampling must be a percentage from 0 to 100, not \"{text}\"");
        }

        var defaults = ((root.Get("defaultProviders") as YamlMap)?.Get("tracing") as YamlSeq)?.Items.OfType<YamlScalar>().Select(s => s.Value).ToList() ?? [];
        var providers = new Dictionary<string, OtlpCollector>(StringComparer.Ordinal);
        var index = 0;
        foreach (var entry in (root.Get("extensionProviders") as YamlSeq)?.Items.OfType<YamlMap>() ?? [])
        {
            var where = $"extensionProviders[{index++}]";
            if (entry.Get("opentelemetry") is not YamlMap otel)
            {
                continue; // other kinds (zipkin, envoyExtAuthz, ...) are not served yet
            }

            var name = entry.GetString("name") ?? throw new FormatException($"{where}.name is required");
            var service = otel.GetString("service") ?? throw new FormatException($"{where}.opentelemetry.service is required");
            if (!uint.TryParse(otel.GetString("port"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is 0 or > 65535)
            {
                throw new FormatException($"{where}.opentelemetry.port must be a port number (1-65535)");
            }

            var http = otel.Get("http") as YamlMap;
            providers[name] = new OtlpCollector(service, port, http is null ? null : http.GetString("path") is { Length: > 0 } path ? (path.StartsWith('/') ? path : "/" + path) : "/v1/traces");
        }

        return new MeshTracing(sampling, defaults, providers);
    }

    private static Model.Common.ProtoDuration? Duration(YamlMap map, string key) =>
        map.GetString(key) is not { } text ? null
        : Model.Common.ProtoDuration.TryParse(text, out var d, out var error) ? d
        : throw new FormatException($"defaultHttpRetryPolicy.{key}: {error}");

    public static AnalysisOptions Load(string path) => Parse(File.ReadAllText(path));

    public static AnalysisOptions Parse(string yaml)
    {
        var root = YamlDocumentReader.Read(yaml).FirstOrDefault()?.Root as YamlMap;
        if (root is null)
        {
            return new AnalysisOptions();
        }

        var metadata = (root.Get("defaultConfig") as YamlMap)?.Get("proxyMetadata") as YamlMap;
        bool Flag(string name) => metadata?.GetString(name) is { } v && v.Equals("true", StringComparison.OrdinalIgnoreCase);
        return new AnalysisOptions
        {
            RootNamespace = root.GetString("rootNamespace") ?? Model.IstioDefaults.RootNamespace,
            DnsAutoAllocate = Flag("ISTIO_META_DNS_CAPTURE") && Flag("ISTIO_META_DNS_AUTO_ALLOCATE"),
        };
    }
}
