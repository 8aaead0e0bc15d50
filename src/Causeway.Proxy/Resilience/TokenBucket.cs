namespace Causeway.Proxy.Resilience;

/// <summary>
/// Envoy's local rate limit token bucket: starts full with <c>maxTokens</c>; every <c>fillInterval</c>,
/// <c>tokensPerFill</c> tokens are added up to the maximum. Refilled lazily from the time passed, so no timer runs;
/// a lock-free compare-and-swap takes a token.
/// </summary>
public sealed class TokenBucket
{
    private readonly long fillTicks;
    private readonly Lock gate = new();
    private long tokens;
    private long lastFill;

    public TokenBucket(int maxTokens, int tokensPerFill, TimeSpan fillInterval)
    {
        MaxTokens = Math.Max(1, maxTokens);
        TokensPerFill = Math.Max(1, tokensPerFill);
        FillInterval = fillInterval > TimeSpan.Zero ? fillInterval : TimeSpan.FromSeconds(1);
        fillTicks = FillInterval.Ticks;
        tokens = MaxTokens;
        lastFill = long.MinValue; // the clock starts at the first request
    }

    public int MaxTokens { get; }

    public int TokensPerFill { get; }

    public TimeSpan FillInterval { get; }

    /// <summary>Takes a token if there is one; also says how many are left and when the next fill comes.</summary>
    public bool TryTake(DateTimeOffset now, out int remaining, out TimeSpan untilFill)
    {
        lock (gate)
        {
            var ticks = now.UtcTicks;
            if (lastFill == long.MinValue)
            {
                lastFill = ticks;
            }

            var fills = (ticks - lastFill) / fillTicks;
            if (fills > 0)
            {
                tokens = Math.Min(MaxTokens, tokens + (fills * TokensPerFill));
                lastFill += fills * fillTicks;
            }

            untilFill = TimeSpan.FromTicks(lastFill + fillTicks - ticks);
            if (tokens > 0)
            {
                tokens--;
                remaining = (int)tokens;
                return true;
            }

            remaining = 0;
            return false;
        }
    }
}
