namespace Causeway.ControlPlane.Registry;

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
    bool Healthy);
