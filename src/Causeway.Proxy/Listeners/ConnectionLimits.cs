using System.Globalization;

namespace Causeway.Proxy.Listeners;

/// <summary>
/// How many downstream connections the proxy holds at once: overall (Envoy's overload manager
/// <c>global_downstream_max_connections</c>) and per listener (Envoy's listener <c>connection_limit</c>). A connection
/// past either is closed as soon as it is accepted and counted (<c>downstream_global_cx_overflow</c>,
/// <c>downstream_cx_overflow</c>), so the connections already open keep their file descriptors. By default the
/// overall limit comes from the process's file descriptor limit: half of what is left after a reserve, since each
/// downstream connection may need an upstream one, so the proxy never runs out of descriptors under a flood.
/// </summary>
public sealed class ConnectionLimits(int overall, int perListener)
{
    /// <summary>Descriptors kept for everything but downstream connections' pairs: listening sockets, the control plane, files, the runtime.</summary>
    private const int Reserve = 128;

    private int open;

    /// <summary>The most downstream connections across all listeners.</summary>
    public int Overall { get; } = overall;

    /// <summary>The most downstream connections on one listener.</summary>
    public int PerListener { get; } = perListener;

    /// <summary>Downstream connections open now, across all listeners.</summary>
    public int Open => Volatile.Read(ref open);

    /// <summary>The overall default from a file descriptor limit: (limit - 128) / 2, at least 16.</summary>
    public static int DefaultOverall(long fileDescriptorLimit) =>
        (int)Math.Clamp((fileDescriptorLimit - Reserve) / 2, 16, int.MaxValue);

    /// <summary>This process's soft limit on open files (Linux: /proc/self/limits), or null when it cannot be read or is unlimited.</summary>
    public static long? FileDescriptorLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>Takes a place for a connection accepted on a listener holding <paramref name="onListener"/> already; false when a limit is reached (nothing taken).</summary>
    internal bool TryOpen(int onListener, out bool overallLimit)
    {
        overallLimit = false;
        if (onListener >= PerListener)
        {
            return false;
        }

        if (Interlocked.Increment(ref open) > Overall)
        {
            Interlocked.Decrement(ref open);
            overallLimit = true;
            return false;
        }

        return true;
    }

    internal void Closed() => Interlocked.Decrement(ref open);
}
