using System.Diagnostics;
using System.Globalization;
using System.Text;
using Causeway.Api.Analysis;
using Causeway.Api.Diagnostics;
using Causeway.Api.Validation;

namespace Causeway.Bench.Loading;

/// <summary>
/// Loads and validates a generated mesh of N resources (default 10,000) from a directory of YAML files and reports
/// wall time, CPU time, allocations and peak memory. Not a test: it prints numbers and never fails on speed.
/// Usage: dotnet run -c Release --project bench/Causeway.Bench.Loading [-- resources [--analyze]]
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 10_000;
        var analyze = args.Contains("--analyze");
        var cold = args.Contains("--cold");
        var dir = Directory.CreateTempSubdirectory("causeway-bench-");
        var keep = args.Contains("--keep");
        try
        {
            var written = Generate(dir.FullName, count);
            Console.WriteLine($"generated {written} resources in {Directory.GetFiles(dir.FullName).Length} files ({DirectorySize(dir.FullName) / 1024 / 1024.0:F1} MB)");

            // --cold measures a fresh process, as one `causeway validate` run is. Otherwise the code is warmed up (JIT,
            // tier-1 recompilation, caches) on a small mesh of the same shape, and given time for background tiering
            // to finish, so the measured pass is steady state and its peak memory is its own.
            if (!cold)
            {
                var warm = Directory.CreateTempSubdirectory("causeway-bench-warm-");
                Generate(warm.FullName, Math.Min(1000, count));
                for (var i = 0; i < 5; i++)
                {
                    ResourceValidation.LoadAndValidate([warm.FullName]);
                    Thread.Sleep(300);
                }

                warm.Delete(true);
                GC.Collect();
            }
            var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var allocBefore = GC.GetTotalAllocatedBytes(precise: true);
            var sw = Stopwatch.StartNew();
            var result = ResourceValidation.LoadAndValidate([dir.FullName]);
            var validateTime = sw.Elapsed;
            var analysisTime = TimeSpan.Zero;
            if (analyze)
            {
                var a = Stopwatch.StartNew();
                result.Diagnostics.AddRange(MeshAnalyzer.Analyze(result.Loaded));
                analysisTime = a.Elapsed;
            }

            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocBefore;
            var errors = result.Diagnostics.Count(d => d.Severity == Severity.Error);
            Console.WriteLine($"loaded {result.Loaded.Count}, valid {result.Valid.Count}, errors {errors}");
            foreach (var d in result.Diagnostics.Where(d => d.Severity == Severity.Error).Take(3))
            {
                Console.WriteLine("  " + d);
            }
            Console.WriteLine($"load+validate: {validateTime.TotalMilliseconds:F0} ms wall");
            if (analyze)
            {
                Console.WriteLine($"analyze: {analysisTime.TotalMilliseconds:F0} ms wall");
            }

            Console.WriteLine($"cpu: {cpu.TotalMilliseconds:F0} ms; allocated: {allocated / 1024 / 1024} MB; peak working set: {process.PeakWorkingSet64 / 1024 / 1024} MB; heap now: {GC.GetTotalMemory(false) / 1024 / 1024} MB");
            return errors == 0 ? 0 : 1;
        }
        finally
        {
            if (keep)
            {
                Console.WriteLine("kept " + dir.FullName);
            }
            else
            {
                dir.Delete(true);
            }
        }
    }

    /// <summary>A mesh shaped like real ones: per service a ServiceEntry, two WorkloadEntries, a DestinationRule and a VirtualService.</summary>
    private static int Generate(string dir, int count)
    {
        var perService = 5;
        var services = count / perService;
        var written = 0;
        var sb = new StringBuilder();
        for (var s = 0; s < services; s++)
        {
            var ns = $"team-{s % 50}";
            var name = $"svc-{s}";
            sb.Append(CultureInfo.InvariantCulture, $$$"""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: {{{name}}}, namespace: {{{ns}}}}
                spec:
                  hosts: [{{{name}}}.{{{ns}}}.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: {{{name}}}}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: {{{name}}}-v1, namespace: {{{ns}}}}
                spec: {address: 127.1.{{{s / 250 % 250}}}.{{{s % 250 + 1}}}, labels: {app: {{{name}}}, version: v1}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: {{{name}}}-v2, namespace: {{{ns}}}}
                spec: {address: 127.2.{{{s / 250 % 250}}}.{{{s % 250 + 1}}}, labels: {app: {{{name}}}, version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: {{{name}}}, namespace: {{{ns}}}}
                spec:
                  host: {{{name}}}
                  trafficPolicy:
                    connectionPool: {tcp: {maxConnections: 100, connectTimeout: 2s}, http: {http1MaxPendingRequests: 50}}
                    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: {{{name}}}, namespace: {{{ns}}}}
                spec:
                  hosts: [{{{name}}}]
                  http:
                  - match:
                    - headers: {end-user: {exact: jason}}
                      uri: {prefix: /api/v2}
                    route:
                    - destination: {host: {{{name}}}, subset: v2}
                  - match:
                    - uri: {regex: '^/items/[0-9]+$'}
                    timeout: 3s
                    retries: {attempts: 2, perTryTimeout: 1s, retryOn: 'connect-failure,refused-stream,503'}
                    route:
                    - destination: {host: {{{name}}}, subset: v1}
                      weight: 90
                    - destination: {host: {{{name}}}, subset: v2}
                      weight: 10
                  - route:
                    - destination: {host: {{{name}}}, subset: v1}
                ---

                """);
            written += perService;
            if (s % 100 == 99 || s == services - 1)
            {
                File.WriteAllText(Path.Combine(dir, $"mesh-{s / 100:D4}.yaml"), sb.ToString());
                sb.Clear();
            }
        }

        return written;
    }

    private static long DirectorySize(string dir) => Directory.GetFiles(dir).Sum(f => new FileInfo(f).Length);
}
