namespace Causeway.Translation.Registry;

/// <summary>
/// One instance behind services: a WorkloadEntry or an inline ServiceEntry endpoint (later also a Pod).
/// <see cref="Ports"/> maps a service port name to the port on the instance.
/// </summary>
public sealed record WorkloadInstance(
    string Name,
    string Namespace,
    string Address,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, uint> Ports,
    string Locality,
    uint Weight,
    string ServiceAccount,
    bool Healthy)
{
    /// <summary>The port this instance serves a service port on: its own mapping by port name, else the port's target port.</summary>
    public uint PortFor(ServicePortModel port) => Ports.TryGetValue(port.Name, out var p) ? p : port.TargetPort;
}
