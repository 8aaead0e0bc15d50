namespace Causeway.ControlPlane.Dashboard;

/// <summary>The traffic of one edge over the window: rates per second, latency percentiles, flags and security seen.</summary>
public sealed class EdgeRate
{
    public double RequestsPerSecond { get; set; }

    public double ErrorsPerSecond { get; set; }

    public double ErrorRate => RequestsPerSecond > 0 ? ErrorsPerSecond / RequestsPerSecond : 0;

    /// <summary>Requests per flag within the window.</summary>
    public Dictionary<string, double> Flags { get; } = new(StringComparer.Ordinal);

    /// <summary>Bucket increases within the window, by upper bound (cumulative, as Prometheus keeps them).</summary>
    public SortedDictionary<double, double> Buckets { get; } = [];

    public string Security { get; set; } = "unknown";

    /// <summary>Prometheus' histogram_quantile over the window's bucket increases: linear within the bucket the rank falls in; null without requests.</summary>
    public double? Quantile(double q)
    {
        if (Buckets.Count == 0)
        {
            return null;
        }

        var total = Buckets.Last().Value;
        if (total <= 0)
        {
            return null;
        }

        var rank = q * total;
        var lowerBound = 0.0;
        var lowerCount = 0.0;
        foreach (var (bound, count) in Buckets)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lowerBound; // beyond the last finite bucket: its bound is the best that can be said
                }

                var inBucket = count - lowerCount;
                return inBucket <= 0 ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount) / inBucket);
            }

            lowerBound = double.IsPositiveInfinity(bound) ? lowerBound : bound;
            lowerCount = count;
        }

        return lowerBound;
    }
}

/// <summary>
/// The last scrapes of one proxy, kept for <see cref="Span"/>: rates are the increase between the oldest and the
/// newest scrape inside it, divided by the time between them (Prometheus' rate() without extrapolation). A counter
/// that went down means the proxy restarted; the newest value is then the increase.
/// </summary>
public sealed class TrafficWindow(TimeSpan span)
{
    private readonly List<(DateTimeOffset At, Dictionary<EdgeKey, EdgeCounters> Counters)> scrapes = [];

    public TimeSpan Span { get; } = span;

    public void Add(DateTimeOffset at, Dictionary<EdgeKey, EdgeCounters> counters)
    {
        lock (scrapes)
        {
            scrapes.Add((at, counters));
            // keep one scrape older than the span, so the window always covers all of it
            while (scrapes.Count > 2 && at - scrapes[1].At >= Span)
            {
                scrapes.RemoveAt(0);
            }
        }
    }

    /// <summary>Adds this proxy's rates into <paramref name="into"/> (summed over proxies by the caller's dictionary).</summary>
    public void AddRatesTo(Dictionary<EdgeKey, EdgeRate> into)
    {
        (DateTimeOffset At, Dictionary<EdgeKey, EdgeCounters> Counters) oldest, newest;
        lock (scrapes)
        {
            if (scrapes.Count < 2)
            {
                return;
            }

            oldest = scrapes[0];
            newest = scrapes[^1];
        }

        var seconds = (newest.At - oldest.At).TotalSeconds;
        if (seconds <= 0)
        {
            return;
        }

        foreach (var (key, now) in newest.Counters)
        {
            var before = oldest.Counters.GetValueOrDefault(key);
            var requests = Increase(now.Requests, before?.Requests);
            if (!into.TryGetValue(key, out var rate))
            {
                rate = new EdgeRate();
                into[key] = rate;
            }

            rate.RequestsPerSecond += requests / seconds;
            rate.ErrorsPerSecond += Increase(now.Errors, before?.Errors) / seconds;
            if (now.Security != "unknown")
            {
                rate.Security = now.Security;
            }

            foreach (var (flag, count) in now.Flags)
            {
                var increase = Increase(count, before?.Flags.GetValueOrDefault(flag));
                if (increase > 0)
                {
                    rate.Flags[flag] = rate.Flags.GetValueOrDefault(flag) + increase;
                }
            }

            foreach (var (bound, count) in now.Buckets)
            {
                rate.Buckets[bound] = rate.Buckets.GetValueOrDefault(bound) + Increase(count, before?.Buckets.GetValueOrDefault(bound));
            }
        }
    }

    private static double Increase(double now, double? before) => before is { } b && now >= b ? now - b : now;
}
