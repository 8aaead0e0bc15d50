using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Causeway.Bench.HotPath;

/// <summary>
/// Which types a proxied request allocates: runs the ProxiedRequest setup, sends requests through Causeway (or the
/// minimal forwarder) and listens to the runtime's AllocationTick events (one per ~100 KB allocated, naming the type
/// that crossed the mark), so the histogram shows where the bytes go in proportion.
///   dotnet run -c Release --project bench/Causeway.Bench.HotPath -- --alloc-profile [causeway|minimal] [requests]
/// </summary>
internal static class AllocationProfile
{
    public static async Task RunAsync(string target, int requests)
    {
        var bench = new ProxiedRequestBenchmarks();
        await bench.Setup();
        Func<Task<int>> send = target == "minimal" ? bench.MinimalForwarder : bench.Causeway;
        for (var i = 0; i < 2000; i++)
        {
            await send();
        }

        using var listener = new TickListener();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < requests; i++)
        {
            await send();
        }

        var perRequest = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)requests;
        await bench.Cleanup();
        var total = listener.Ticks.Values.Sum();
        Console.WriteLine($"{target}: {perRequest:F0} bytes per request (process-wide), {total} allocation ticks");
        foreach (var (type, count) in listener.Ticks.OrderByDescending(kv => kv.Value).Take(40))
        {
            Console.WriteLine($"{count * 100.0 / total,6:F1}%  ~{perRequest * count / total,6:F0} B  {type}");
        }
    }

    private sealed class TickListener : EventListener
    {
        public ConcurrentDictionary<string, int> Ticks { get; } = new();

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && e.Payload is { } payload)
            {
                var index = e.PayloadNames?.IndexOf("TypeName") ?? -1;
                if (index >= 0 && payload[index] is string type)
                {
                    Ticks.AddOrUpdate(type, 1, (_, n) => n + 1);
                }
            }
        }
    }
}
