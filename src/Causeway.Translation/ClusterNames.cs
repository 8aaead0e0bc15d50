using System.Globalization;

namespace Causeway.Translation;

/// <summary>Istio's cluster naming: <c>outbound|port|subset|fqdn</c>, <c>inbound|port||fqdn</c>, and its special clusters.</summary>
public static class ClusterNames
{
    /// <summary>Where ALLOW_ANY sends traffic for unknown destinations: the original destination.</summary>
    public const string Passthrough = "PassthroughCluster";

    /// <summary>The route names Istio gives the catch-all virtual hosts of outbound route tables.</summary>
    public const string AllowAnyRoute = "allow_any";

    public const string BlockAllRoute = "block_all";

    public static string Outbound(uint port, string subset, string host) =>
        string.Create(CultureInfo.InvariantCulture, $"outbound|{port}|{subset}|{host}");

    public static string Inbound(uint port, string host) =>
        string.Create(CultureInfo.InvariantCulture, $"inbound|{port}||{host}");
}
