using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// Writes access log lines off the request path: requests hand entries to a bounded queue and a background task
/// formats and writes them, so a slow disk never slows a request; when the queue is full, entries are dropped and
/// counted rather than waited for. Envoy's default text format as Istio emits it, or its JSON encoding.
/// </summary>
public sealed class AccessLogWriter : IAsyncDisposable
{
    private readonly Channel<AccessLogEntry> queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(16_384)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly Task writer;
    private long dropped;

    public AccessLogWriter(string path, bool json)
    {
        Path = path;
        Json = json;
        writer = Task.Run(() => WriteAsync(path, json));
    }

    public string Path { get; }

    public bool Json { get; }

    /// <summary>Entries dropped because the writer could not keep up.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    public void Log(AccessLogEntry entry)
    {
        if (!queue.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref dropped);
        }
    }

    /// <summary>Envoy's default format (Istio's EnvoyTextLogFormat); "-" for what is unknown.</summary>
    public static string Text(AccessLogEntry e) => string.Create(CultureInfo.InvariantCulture,
        $"[{e.StartTime:yyyy-MM-ddTHH:mm:ss.fffZ}] \"{e.Method} {e.Path} {e.Protocol}\" {e.ResponseCode} {e.ResponseFlags} {Dash(e.ResponseCodeDetails)} - \"-\" " +
        $"{e.BytesReceived} {e.BytesSent} {e.DurationMs} - \"{Dash(e.ForwardedFor)}\" \"{Dash(e.UserAgent)}\" \"{Dash(e.RequestId)}\" \"{Dash(e.Authority)}\" " +
        $"\"{Dash(e.UpstreamHost)}\" {Dash(e.UpstreamCluster)} - {Dash(e.DownstreamLocalAddress)} {Dash(e.DownstreamRemoteAddress)} {Dash(e.RequestedServerName)} {Dash(e.RouteName)}");

    /// <summary>Istio's JSON encoding: the same fields, under Envoy's JSON log keys.</summary>
    public static string JsonLine(AccessLogEntry e)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("start_time", e.StartTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteString("method", e.Method);
            json.WriteString("path", e.Path);
            json.WriteString("protocol", e.Protocol);
            json.WriteNumber("response_code", e.ResponseCode);
            json.WriteString("response_flags", e.ResponseFlags);
            json.WriteString("response_code_details", e.ResponseCodeDetails);
            json.WriteNumber("bytes_received", e.BytesReceived);
            json.WriteNumber("bytes_sent", e.BytesSent);
            json.WriteNumber("duration", e.DurationMs);
            Nullable(json, "x_forwarded_for", e.ForwardedFor);
            Nullable(json, "user_agent", e.UserAgent);
            Nullable(json, "request_id", e.RequestId);
            Nullable(json, "authority", e.Authority);
            Nullable(json, "upstream_host", e.UpstreamHost);
            Nullable(json, "upstream_cluster", e.UpstreamCluster);
            Nullable(json, "downstream_local_address", e.DownstreamLocalAddress);
            Nullable(json, "downstream_remote_address", e.DownstreamRemoteAddress);
            Nullable(json, "requested_server_name", e.RequestedServerName);
            Nullable(json, "route_name", e.RouteName);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Nullable(Utf8JsonWriter json, string name, string value)
    {
        if (value.Length == 0)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static string Dash(string value) => value.Length == 0 ? "-" : value;

    /// <summary>
    /// Envoy's access_log_flush_interval: lines collect in a 64 KiB buffer and reach the file when it fills or a
    /// second after the first unflushed line, not per request (a write per line cost a syscall per request).
    /// </summary>
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private async Task WriteAsync(string path, bool json)
    {
        var stream = path == "/dev/stdout" ? Console.OpenStandardOutput() : new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
        await using var output = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024);
        var reader = queue.Reader;
        long? unflushedSince = null;
        while (true)
        {
            while (reader.TryRead(out var entry))
            {
                await output.WriteLineAsync(json ? JsonLine(entry) : Text(entry)).ConfigureAwait(false);
                unflushedSince ??= System.Diagnostics.Stopwatch.GetTimestamp();
            }

            if (unflushedSince is { } since)
            {
                var due = FlushInterval - System.Diagnostics.Stopwatch.GetElapsedTime(since);
                if (due <= TimeSpan.Zero)
                {
                    await output.FlushAsync().ConfigureAwait(false);
                    unflushedSince = null;
                    continue;
                }

                // More lines, or the flush falls due, whichever first.
                var more = reader.WaitToReadAsync().AsTask();
                if (await Task.WhenAny(more, Task.Delay(due)).ConfigureAwait(false) == more && !await more.ConfigureAwait(false))
                {
                    break; // completed: the final flush below
                }
            }
            else if (!await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                break;
            }
        }

        await output.FlushAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await writer.ConfigureAwait(false);
    }
}
