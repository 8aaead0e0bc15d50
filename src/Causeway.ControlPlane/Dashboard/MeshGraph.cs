namespace Causeway.ControlPlane.Dashboard;

/// <summary>A config or proxy problem shown beside the node it concerns (or in the mesh-wide list).</summary>
public sealed record NodeProblem(string Code, string Severity, string Message, string Resource, string Where);

/// <summary>A workload, a gateway, a service, or a caller outside the mesh ("unknown").</summary>
public sealed record GraphNode(
    string Id,
    string Kind,
    string Label,
    string Namespace,
    string App,
    string Version,
    string ProxyState,
    IReadOnlyList<NodeProblem> Problems);

/// <summary>Traffic from one node to another over the window; <see cref="Configured"/> edges (service to its workloads) show even when idle.</summary>
public sealed record GraphEdge(
    string From,
    string To,
    double RequestsPerSecond,
    double ErrorRate,
    double? P50Milliseconds,
    double? P99Milliseconds,
    string Security,
    bool Configured,
    IReadOnlyDictionary<string, double> Flags);

/// <summary>What the dashboard draws: the nodes, the edges, and the problems no node owns.</summary>
public sealed record MeshGraph(
    long Generation,
    int WindowSeconds,
    IReadOnlyList<GraphNode> Nodes,
    IReadOnlyList<GraphEdge> Edges,
    IReadOnlyList<NodeProblem> MeshProblems);

/// <summary>A connected proxy as the graph needs it: who, whether it runs the newest config, its last NACK.</summary>
public sealed record ProxyInfo(string Id, bool Gateway, string Name, string Namespace, bool Synced, string Nack, string ScrapeError);
