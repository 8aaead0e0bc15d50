namespace Causeway.ControlPlane.Dashboard;

/// <summary>A VirtualService or DestinationRule that applies to the service, where it is written, and what it says in short.</summary>
public sealed record ConfigRef(string Kind, string Name, string Namespace, string Where, IReadOnlyList<string> Summary);

/// <summary>One endpoint of a subset, with what the proxies that call it see: healthy, ejected by outlier detection, or unhealthy.</summary>
public sealed record EndpointHealthView(string Address, string Workload, bool Ready, int HealthyIn, IReadOnlyList<string> EjectedBy, IReadOnlyList<string> UnhealthyIn);

/// <summary>A subset (or "(all)" for the whole service) and its endpoints.</summary>
public sealed record SubsetView(string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<EndpointHealthView> Endpoints);

/// <summary>A response flag seen on requests to the service within the window, with the text of <c>causeway explain --flag</c>.</summary>
public sealed record FlagView(string Flag, double Requests, string Meaning, string Look);

/// <summary>Everything the dashboard's side panel shows for one service.</summary>
public sealed record ServiceDetails(
    string Host,
    string Namespace,
    IReadOnlyList<string> Ports,
    IReadOnlyList<ConfigRef> VirtualServices,
    IReadOnlyList<ConfigRef> DestinationRules,
    IReadOnlyList<SubsetView> Subsets,
    IReadOnlyList<FlagView> Flags,
    IReadOnlyList<NodeProblem> Problems);
