namespace Causeway.Proxy.Balancing;

/// <summary>
/// A host's outlier-detection state: its error streaks and ejection. Kept on the host object, which outlives
/// snapshots while the host stays in its cluster, so a config push neither forgives nor forgets an ejection.
/// </summary>
public sealed class HostHealth
{
    public int Consecutive5xx { get; set; }

    public int ConsecutiveGatewayErrors { get; set; }

    public int LocalOriginFailures { get; set; }

    /// <summary>How many times in a row the host has been ejected (the ejection time multiplier).</summary>
    public int Ejections { get; set; }

    public DateTimeOffset EjectedUntil { get; set; } = DateTimeOffset.MinValue;

    /// <summary>When the last ejection ended (or ends).</summary>
    public DateTimeOffset? ReturnedAt { get; set; }
}
