namespace Causeway.Proxy.Resilience;

/// <summary>
/// Envoy's jittered exponential backoff between retries: retry n waits a uniform random time in
/// [0, base × (2^n − 1)], capped at 10 × base (Envoy's default max interval). Base defaults to 25 ms.
/// </summary>
public static class RetryBackoff
{
    public static TimeSpan Delay(int retry, TimeSpan baseInterval, Random random)
    {
        var factor = retry >= 30 ? double.MaxValue : (1L << retry) - 1;
        var ceiling = Math.Min(baseInterval.TotalMilliseconds * factor, baseInterval.TotalMilliseconds * 10);
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }
}
