using BenchmarkDotNet.Running;
using Causeway.Bench.HotPath;

// Hot-path microbenchmarks (route matching, allocations per proxied request). Not tests: they report, never fail.
//   dotnet run -c Release --project bench/Causeway.Bench.HotPath -- --filter '*'
//   dotnet run -c Release --project bench/Causeway.Bench.HotPath -- --alloc-profile [causeway|minimal] [requests]
if (args.Length > 0 && args[0] == "--alloc-profile")
{
    await AllocationProfile.RunAsync(args.Length > 1 ? args[1] : "causeway", args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 50_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
