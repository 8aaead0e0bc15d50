using Causeway.Bench.Run;

// Two tools for bench/run: an open-loop load generator and the report writer.
return args.FirstOrDefault() switch
{
    "openloop" => await OpenLoop.RunAsync(args[1..]),
    "report" => Report.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Causeway.Bench.Run openloop --url URL [--host HOST] --rate N --seconds S [--connections C]
               Causeway.Bench.Run report RESULTS.jsonl OUT_DIR
        """);
    return 2;
}
