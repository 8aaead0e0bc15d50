namespace Causeway.Api.Model.Common;

/// <summary>Istio's <c>Percent</c>: a value in [0, 100], fractions allowed.</summary>
public sealed class Percent
{
    public double Value { get; set; }
}
