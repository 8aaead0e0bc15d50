using Causeway.Expressions;
using Causeway.Protocol.V1;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// A snapshot's access log, compiled with it: where entries go, which sides log, and each side's CEL filter parsed
/// once (a filter this proxy cannot read throws here, so the snapshot is rejected and the last good one keeps serving).
/// </summary>
public sealed class CompiledAccessLog(AccessLog settings)
{
    /// <summary>Set when the snapshot is compiled; the writer is kept across snapshots while its file and encoding stay.</summary>
    public AccessLogWriter Writer { get; internal set; } = null!;

    /// <summary>Outbound and gateway listeners log (the client side).</summary>
    public bool Client { get; } = settings.Client;

    /// <summary>Inbound listeners log (the server side).</summary>
    public bool Server { get; } = settings.Server;

    internal CelNode? ClientFilter { get; } = settings.ClientFilter.Length > 0 ? CelParser.Parse(settings.ClientFilter) : null;

    internal CelNode? ServerFilter { get; } = settings.ServerFilter.Length > 0 ? CelParser.Parse(settings.ServerFilter) : null;

    /// <summary>Whether requests on this side are logged at all; then the side's filter, if any, decides each one.</summary>
    public bool Logs(TrafficDirection direction) => direction == TrafficDirection.Inbound ? Server : Client;

    internal CelNode? FilterFor(TrafficDirection direction) => direction == TrafficDirection.Inbound ? ServerFilter : ClientFilter;
}
