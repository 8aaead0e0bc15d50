namespace Causeway.ControlPlane.Config;

/// <summary>
/// The config sources' debounce: after a change, wait until the config has been quiet for a period, but no longer
/// than a maximum delay in total, so a burst of edits (kubectl apply -f of a directory, an editor's several writes)
/// becomes one generation and a steady stream of changes still gets through.
/// </summary>
public static class ConfigDebounce
{
    /// <summary>Returns the version the config settled at, starting from <paramref name="seen"/>, the one that was just noticed.</summary>
    public static async Task<T> SettleAsync<T>(Func<T> version, T seen, TimeSpan quiet, TimeSpan maxDelay, CancellationToken cancel)
    {
        var first = DateTimeOffset.UtcNow;
        while (DateTimeOffset.UtcNow - first < maxDelay)
        {
            await Task.Delay(quiet, cancel).ConfigureAwait(false);
            var later = version();
            if (EqualityComparer<T>.Default.Equals(later, seen))
            {
                break;
            }

            seen = later;
        }

        return seen;
    }
}
