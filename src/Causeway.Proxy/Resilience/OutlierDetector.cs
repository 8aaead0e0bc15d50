using Causeway.Protocol.V1;
using Causeway.Proxy.Balancing;

namespace Causeway.Proxy.Resilience;

/// <summary>
/// Envoy's outlier detection as Istio configures it: a host is ejected after <c>consecutive5xxErrors</c> 5xx in a
/// row (connect failures, resets and timeouts count as 5xx unless <c>splitExternalLocalOriginErrors</c>, which
/// counts them against <c>consecutiveLocalOriginFailures</c> instead), or after <c>consecutiveGatewayErrors</c>
/// 502/503/504 in a row. It stays out for <c>baseEjectionTime</c> × its ejections in a row (the count drops by one
/// for each <c>interval</c> it then stays in), capped at 300 s (Envoy's max_ejection_time). At most
/// <c>maxEjectionPercent</c> of the cluster is ejected, but always at least one host. Time comes from a
/// <see cref="TimeProvider"/>; a host comes back as soon as its time is up (Envoy waits for the next interval tick).
/// </summary>
public sealed class OutlierDetector(OutlierDetection settings, TimeProvider time)
{
    private static readonly TimeSpan MaxEjectionTime = TimeSpan.FromSeconds(300);
    private long version;

    public OutlierDetection Settings { get; private set; } = settings;

    /// <summary>Changes whenever a host is ejected, so pickers know to recompute who is available.</summary>
    public long Version => Volatile.Read(ref version);

    public long Ejections { get; private set; }

    public void Update(OutlierDetection settings) => Settings = settings;

    /// <summary>Records an attempt's outcome against its host; returns true when this ejected the host.</summary>
    public bool Report(UpstreamEndpoint host, AttemptOutcome outcome, IReadOnlyList<UpstreamEndpoint> cluster)
    {
        var s = Settings;
        var health = host.Health;
        bool trip;
        lock (health)
        {
            if (outcome.IsLocalOrigin && s.SplitExternalLocalOriginErrors)
            {
                health.LocalOriginFailures++;
                trip = s.ConsecutiveLocalOriginFailures > 0 && health.LocalOriginFailures >= s.ConsecutiveLocalOriginFailures;
            }
            else
            {
                if (!outcome.IsLocalOrigin)
                {
                    health.LocalOriginFailures = 0; // the host answered: a local-origin streak is over
                }

                var status = outcome.IsLocalOrigin ? (outcome.Kind == AttemptKind.PerTryTimeout ? 504 : 503) : outcome.Status;
                if (status >= 500)
                {
                    health.Consecutive5xx++;
                }
                else
                {
                    health.Consecutive5xx = 0;
                }

                if (status is 502 or 503 or 504)
                {
                    health.ConsecutiveGatewayErrors++;
                }
                else
                {
                    health.ConsecutiveGatewayErrors = 0;
                }

                trip = (s.Consecutive5Xx > 0 && health.Consecutive5xx >= s.Consecutive5Xx) ||
                       (s.ConsecutiveGatewayErrors > 0 && health.ConsecutiveGatewayErrors >= s.ConsecutiveGatewayErrors);
            }
        }

        return trip && TryEject(host, cluster);
    }

    public bool IsEjected(UpstreamEndpoint host) => host.Health.EjectedUntil > time.GetUtcNow();

    /// <summary>The earliest moment an ejected host among these comes back, or null when none is ejected.</summary>
    public DateTimeOffset? NextReturn(IReadOnlyList<UpstreamEndpoint> hosts)
    {
        var now = time.GetUtcNow();
        DateTimeOffset? next = null;
        foreach (var h in hosts)
        {
            var until = h.Health.EjectedUntil;
            if (until > now && (next is null || until < next))
            {
                next = until;
            }
        }

        return next;
    }

    private bool TryEject(UpstreamEndpoint host, IReadOnlyList<UpstreamEndpoint> cluster)
    {
        var s = Settings;
        var now = time.GetUtcNow();
        lock (this)
        {
            if (host.Health.EjectedUntil > now)
            {
                return false;
            }

            var ejected = 0;
            foreach (var h in cluster)
            {
                if (h.Health.EjectedUntil > now)
                {
                    ejected++;
                }
            }

            // maxEjectionPercent, but at least one host may always be ejected (Envoy).
            if (ejected > 0 && (ejected + 1) * 100 > (long)s.MaxEjectionPercent * cluster.Count)
            {
                return false;
            }

            var health = host.Health;
            lock (health)
            {
                var interval = TimeSpan.FromMilliseconds(Math.Max(1, s.IntervalMs));
                if (health.Ejections > 0 && health.ReturnedAt is { } back)
                {
                    health.Ejections = Math.Max(0, health.Ejections - (int)((now - back) / interval));
                }

                health.Ejections++;
                var duration = TimeSpan.FromMilliseconds((double)s.BaseEjectionTimeMs * health.Ejections);
                health.EjectedUntil = now + (duration > MaxEjectionTime ? MaxEjectionTime : duration);
                health.ReturnedAt = health.EjectedUntil;
                health.Consecutive5xx = 0;
                health.ConsecutiveGatewayErrors = 0;
                health.LocalOriginFailures = 0;
            }

            Ejections++;
            Interlocked.Increment(ref version);
            return true;
        }
    }
}
