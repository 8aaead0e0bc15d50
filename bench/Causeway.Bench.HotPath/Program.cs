using BenchmarkDotNet.Running;

// Hot-path microbenchmarks (route matching, allocations per proxied request). Not tests: they report, never fail.
//   dotnet run -c Release --project bench/Causeway.Bench.HotPath -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
