using Causeway.Api.Loading;

namespace Causeway.Api.Analysis;

/// <summary>
/// Reads the MeshConfig settings analysis depends on from an Istio mesh config file (the <c>mesh</c> key of the
/// istio ConfigMap): rootNamespace, and the DNS proxy metadata that makes Istio allocate ServiceEntry addresses.
/// </summary>
public static class MeshConfigFile
{
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
