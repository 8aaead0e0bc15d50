using Causeway.Expressions;
using Causeway.Api.Model.Telemetry;
using Causeway.Translation.Mesh;
using Causeway.Protocol.V1;

namespace Causeway.Translation;

/// <summary>
/// Whether and how a proxy writes access logs, as Istio decides it: the most specific Telemetry with
/// <c>accessLogging</c> wins (one selecting the workload in its namespace, then its namespace's, then the root
/// namespace's), else MeshConfig's accessLogFile. The built-in <c>envoy</c> provider writes Envoy's default format to
/// /dev/stdout (JSON when the mesh's accessLogEncoding says so); <c>disabled: true</c> turns it off; <c>match.mode</c>
/// limits it to the client or the server side; <c>filter.expression</c> (CEL, for example <c>response.code >= 400</c>)
/// logs only the requests it holds for. Other providers are not supported yet and are said in a notice.
/// </summary>
internal static class AccessLogPolicy
{
    public static AccessLog? For(MeshState mesh, ProxyRequest proxy, IList<string> notices)
    {
        var chosen = TelemetryScope.MostSpecific(mesh, proxy, spec => spec.AccessLogging is { Count: > 0 });
        if (chosen is null)
        {
            return mesh.Settings.AccessLogFile.Length > 0
                ? new AccessLog { Path = mesh.Settings.AccessLogFile, Json = mesh.Settings.AccessLogJson, Client = true, Server = true }
                : null;
        }

        var log = new AccessLog { Path = mesh.Settings.AccessLogFile.Length > 0 ? mesh.Settings.AccessLogFile : "/dev/stdout", Json = mesh.Settings.AccessLogJson };
        foreach (var entry in chosen.Spec.AccessLogging!)
        {
            var providers = (entry.Providers ?? []).Select(p => p.Name ?? "").ToList();
            foreach (var other in providers.Where(p => p != "envoy"))
            {
                notices.Add($"Telemetry {mesh.Names.NamespaceOf(chosen)}/{chosen.Name}: access log provider \"{other}\" is not supported yet (only the built-in \"envoy\")");
            }

            var filter = Filter(entry.Filter?.Expression, $"Telemetry {mesh.Names.NamespaceOf(chosen)}/{chosen.Name}", notices);

            var mode = entry.Match?.Mode ?? WorkloadMode.ClientAndServer;
            var on = entry.Disabled != true && (providers.Count == 0 ? mesh.Settings.AccessLogFile.Length > 0 : providers.Contains("envoy"));
            if (mode is WorkloadMode.ClientAndServer or WorkloadMode.Client)
            {
                log.Client = on;
                log.ClientFilter = filter;
            }

            if (mode is WorkloadMode.ClientAndServer or WorkloadMode.Server)
            {
                log.Server = on;
                log.ServerFilter = filter;
            }
        }

        return log.Client || log.Server ? log : null;
    }

    /// <summary>
    /// A filter expression the proxy can evaluate, or "" (log every request) with a notice naming the resource when it
    /// does not parse or names an attribute a proxy does not have.
    /// </summary>
    private static string Filter(string? expression, string where, IList<string> notices)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return "";
        }

        if (CelAttributes.Check(expression) is { } problem)
        {
            notices.Add($"{where}: accessLogging filter \"{expression}\": {problem}; every request is logged");
            return "";
        }

        return expression;
    }
}
