using Causeway.Translation.Registry;

namespace Causeway.Translation;

/// <summary>The defaults Istio applies to a route destination that leaves out its port or weight.</summary>
internal static class DestinationPorts
{
    /// <summary>
    /// A destination without a port: the service's only port; else the listener's port when the service has it;
    /// else the service's first port (Istio: the port "MUST be specified" only when the service has several, and
    /// then the listener's port is the one the client used).
    /// </summary>
    public static uint Default(ServiceModel? service, uint listenerPort)
    {
        if (service is null)
        {
            return listenerPort;
        }

        if (service.Ports.Count == 1)
        {
            return service.Ports[0].Number;
        }

        return service.Port(listenerPort) is not null ? listenerPort : service.Ports.Count > 0 ? service.Ports[0].Number : listenerPort;
    }

    /// <summary>Istio's RouteDestination.weight: a lone destination gets everything; otherwise unset means 0.</summary>
    public static uint Weight(int? weight, int destinations) => (uint)Math.Max(0, weight ?? (destinations == 1 ? 100 : 0));
}
