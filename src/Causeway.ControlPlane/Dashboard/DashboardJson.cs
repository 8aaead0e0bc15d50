using System.Text;
using System.Text.Json;

namespace Causeway.ControlPlane.Dashboard;

/// <summary>The dashboard API's JSON, written by hand with Utf8JsonWriter so the NativeAOT CLI needs no reflection.</summary>
public static class DashboardJson
{
    public static string Graph(MeshGraph graph) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteNumber("generation", graph.Generation);
        json.WriteNumber("windowSeconds", graph.WindowSeconds);
        json.WriteStartArray("nodes");
        foreach (var n in graph.Nodes)
        {
            json.WriteStartObject();
            json.WriteString("id", n.Id);
            json.WriteString("kind", n.Kind);
            json.WriteString("label", n.Label);
            json.WriteString("namespace", n.Namespace);
            json.WriteString("app", n.App);
            json.WriteString("version", n.Version);
            json.WriteString("proxy", n.ProxyState);
            Problems(json, "problems", n.Problems);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("edges");
        foreach (var e in graph.Edges)
        {
            json.WriteStartObject();
            json.WriteString("from", e.From);
            json.WriteString("to", e.To);
            json.WriteNumber("rps", Math.Round(e.RequestsPerSecond, 2));
            json.WriteNumber("errorRate", Math.Round(e.ErrorRate, 4));
            Number(json, "p50", e.P50Milliseconds);
            Number(json, "p99", e.P99Milliseconds);
            json.WriteString("security", e.Security);
            json.WriteBoolean("configured", e.Configured);
            json.WriteStartObject("flags");
            foreach (var (flag, count) in e.Flags)
            {
                json.WriteNumber(flag, Math.Round(count));
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        Problems(json, "meshProblems", graph.MeshProblems);
        json.WriteEndObject();
    });

    public static string Service(ServiceDetails s) => Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("host", s.Host);
        json.WriteString("namespace", s.Namespace);
        Strings(json, "ports", s.Ports);
        Configs(json, "virtualServices", s.VirtualServices);
        Configs(json, "destinationRules", s.DestinationRules);
        json.WriteStartArray("subsets");
        foreach (var subset in s.Subsets)
        {
            json.WriteStartObject();
            json.WriteString("name", subset.Name);
            json.WriteStartObject("labels");
            foreach (var (k, v) in subset.Labels)
            {
                json.WriteString(k, v);
            }

            json.WriteEndObject();
            json.WriteStartArray("endpoints");
            foreach (var e in subset.Endpoints)
            {
                json.WriteStartObject();
                json.WriteString("address", e.Address);
                json.WriteString("workload", e.Workload);
                json.WriteBoolean("ready", e.Ready);
                json.WriteNumber("healthyIn", e.HealthyIn);
                Strings(json, "ejectedBy", e.EjectedBy);
                Strings(json, "unhealthyIn", e.UnhealthyIn);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("flags");
        foreach (var f in s.Flags)
        {
            json.WriteStartObject();
            json.WriteString("flag", f.Flag);
            json.WriteNumber("requests", f.Requests);
            json.WriteString("meaning", f.Meaning);
            json.WriteString("look", f.Look);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        Problems(json, "problems", s.Problems);
        json.WriteEndObject();
    });

    private static void Configs(Utf8JsonWriter json, string name, IReadOnlyList<ConfigRef> configs)
    {
        json.WriteStartArray(name);
        foreach (var c in configs)
        {
            json.WriteStartObject();
            json.WriteString("kind", c.Kind);
            json.WriteString("name", c.Name);
            json.WriteString("namespace", c.Namespace);
            json.WriteString("where", c.Where);
            Strings(json, "summary", c.Summary);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void Problems(Utf8JsonWriter json, string name, IReadOnlyList<NodeProblem> problems)
    {
        json.WriteStartArray(name);
        foreach (var p in problems)
        {
            json.WriteStartObject();
            json.WriteString("code", p.Code);
            json.WriteString("severity", p.Severity);
            json.WriteString("message", p.Message);
            json.WriteString("resource", p.Resource);
            json.WriteString("where", p.Where);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
        {
            json.WriteStringValue(v);
        }

        json.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, Math.Round(v, 2));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            body(json);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
