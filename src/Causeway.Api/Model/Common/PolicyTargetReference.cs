namespace Causeway.Api.Model.Common;

/// <summary>Istio's <c>PolicyTargetReference</c>: names a Gateway, GatewayClass, Service or ServiceEntry a policy attaches to.</summary>
public sealed class PolicyTargetReference
{
    public string? Group { get; set; }

    public string? Kind { get; set; }

    public string? Name { get; set; }

    public string? Namespace { get; set; }
}
