using Causeway.Api.Diagnostics;
using Causeway.ControlPlane.Config;
using Causeway.ControlPlane.Push;
using Causeway.Translation.Mesh;

namespace Causeway.ControlPlane.Dashboard;

/// <summary>
/// The mesh view served on the control plane's status port: the page (/dashboard, plain HTML and JS embedded in
/// the binary, nothing fetched from elsewhere), and its API: /api/graph (nodes, edges with rate, error rate and
/// latency, problems) and /api/service?host=H (one service's config, subsets, endpoint health, flags).
/// </summary>
public sealed class MeshDashboard : IAsyncDisposable
{
    private readonly Func<ConfigGeneration> config;
    private readonly Func<IReadOnlyCollection<ProxyStream>> proxies;
    private readonly string configDirectory;
    /// <summary>The last generation's problems; replaced whole (a reference), so a reader never sees half of an update.</summary>
    private GenerationProblems problems = new(-1, []);

    public MeshDashboard(Func<ConfigGeneration> config, Func<IReadOnlyCollection<ProxyStream>> proxies, string configDirectory, TimeSpan? scrapeInterval = null)
    {
        this.config = config;
        this.proxies = proxies;
        this.configDirectory = configDirectory;
        Scraper = new ProxyScraper(proxies, scrapeInterval ?? TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
    }

    public ProxyScraper Scraper { get; }

    public string GraphJson()
    {
        Scraper.Viewed();
        var current = config();
        return DashboardJson.Graph(MeshGraphBuilder.Build(current.Number, current.Mesh, ProxyInfos(), Scraper.Rates(), Problems(current), configDirectory, Scraper.Window));
    }

    /// <summary>The service's panel as JSON, or null when the registry has no such host.</summary>
    public string? ServiceJson(string host)
    {
        Scraper.Viewed();
        var current = config();
        var id = MeshGraphBuilder.ServiceId(host);
        // only this service's problems: placed as the graph places them, without building the graph
        var nodeProblems = Problems(current).Where(d => ProblemOwners.Of(d, current.Mesh).Contains(id))
            .Select(d => MeshGraphBuilder.Problem(d, configDirectory)).ToList();
        var endpoints = Scraper.Proxies.ToDictionary(p => p.Key, p => p.Value.Endpoints, StringComparer.Ordinal);
        var details = ServiceDetailsBuilder.Build(host, current.Mesh, endpoints, Scraper.Rates(), nodeProblems, configDirectory);
        return details is null ? null : DashboardJson.Service(details);
    }

    /// <summary>The page's files: (content type, body), or null for an unknown name.</summary>
    public static (string ContentType, byte[] Body)? Asset(string name)
    {
        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => null,
        };
        using var stream = type is null ? null : typeof(MeshDashboard).Assembly.GetManifestResourceStream("dashboard/" + name);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return (type!, copy.ToArray());
    }

    private List<ProxyInfo> ProxyInfos()
    {
        var scraped = Scraper.Proxies;
        return proxies().Select(p => new ProxyInfo(
            p.Id,
            p.Hello.Role == Protocol.V1.ProxyRole.Gateway,
            p.Hello.Name,
            p.Hello.Namespace,
            p.SentVersion.Length > 0 && p.SentVersion == p.AckedVersion,
            p.LastNack,
            scraped.TryGetValue(p.Id, out var s) ? s.Error : "")).ToList();
    }

    /// <summary>Rejected resources and the analyzers' messages (Istio's IST codes), computed once per config generation.</summary>
    private IReadOnlyList<Diagnostic> Problems(ConfigGeneration current)
    {
        var cached = Volatile.Read(ref problems);
        if (cached.Generation == current.Number)
        {
            return cached.Problems;
        }

        var all = current.Rejected.Concat(MeshAnalysis.Of(current.Mesh).Where(d => d.Severity != Severity.Info)).ToList();
        Volatile.Write(ref problems, new GenerationProblems(current.Number, all));
        return all;
    }

    public ValueTask DisposeAsync() => Scraper.DisposeAsync();

    private sealed record GenerationProblems(long Generation, IReadOnlyList<Diagnostic> Problems);
}
