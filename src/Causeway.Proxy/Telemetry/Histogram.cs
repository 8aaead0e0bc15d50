namespace Causeway.Proxy.Telemetry;

/// <summary>
/// A Prometheus histogram with Envoy's default bucket bounds (Istio's standard distribution metrics use them):
/// lock-free, one array of counters, no allocation per observation.
/// </summary>
public sealed class Histogram
{
    /// <summary>Envoy's HistogramStatisticsImpl::supportedBuckets.</summary>
    public static readonly double[] Bounds = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

    private readonly long[] counts = new long[Bounds.Length + 1];
    private long sumMicros;
    private long count;

    public long Count => Interlocked.Read(ref count);

    public double Sum => Interlocked.Read(ref sumMicros) / 1000.0;

    public void Observe(double value)
    {
        var i = 0;
        while (i < Bounds.Length && value > Bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref counts[i]);
        Interlocked.Add(ref sumMicros, (long)(value * 1000));
        Interlocked.Increment(ref count);
    }

    /// <summary>Adds another histogram's observations to this one (series merged for the exposition, not per request).</summary>
    public void Add(Histogram other)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            Interlocked.Add(ref counts[i], Interlocked.Read(ref other.counts[i]));
        }

        Interlocked.Add(ref sumMicros, Interlocked.Read(ref other.sumMicros));
        Interlocked.Add(ref count, other.Count);
    }

    /// <summary>The cumulative count at each bound (Prometheus' <c>le</c> buckets), then +Inf.</summary>
    public IEnumerable<(string Le, long Count)> Cumulative()
    {
        long running = 0;
        for (var i = 0; i < Bounds.Length; i++)
        {
            running += Interlocked.Read(ref counts[i]);
            yield return (Bounds[i].ToString(System.Globalization.CultureInfo.InvariantCulture), running);
        }

        running += Interlocked.Read(ref counts[^1]);
        yield return ("+Inf", running);
    }
}
