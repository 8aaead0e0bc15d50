using System.Globalization;

namespace Causeway.Translation;

/// <summary>Istio's cluster naming: <c>outbound|port|subset|fqdn</c> and <c>inbound|port||fqdn</c>.</summary>
public static class ClusterNames
{
    public static string Outbound(uint port, string subset, string host) =>
        string.Create(CultureInfo.InvariantCulture, $"outbound|{port}|{subset}|{host}");

    public static string Inbound(uint port, string host) =>
        string.Create(CultureInfo.InvariantCulture, $"inbound|{port}||{host}");
}
