using Causeway.Bench.Run;

// The tools bench/run needs besides nginx, HAProxy, wrk and h2load: load generators, backends and the report writer.
return args.FirstOrDefault() switch
{
    "openloop" => await OpenLoop.RunAsync(args[1..]),
    "report" => Report.Run(args[1..]),
    "grpc-echo" => await Backends.GrpcEchoAsync(args[1..]),
    "tcp-echo" => await Backends.TcpEchoAsync(args[1..]),
    "tcp-load" => await Backends.TcpLoadAsync(args[1..]),
    "idle" => await Backends.IdleAsync(args[1..]),
    "grpc-request" => Backends.GrpcRequestFile(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Causeway.Bench.Run openloop --url URL [--host HOST] --rate N --seconds S [--connections C]
               Causeway.Bench.Run report RESULTS.jsonl OUT_DIR
               Causeway.Bench.Run grpc-echo PORT | tcp-echo PORT
               Causeway.Bench.Run tcp-load IP:PORT CONNECTIONS SECONDS SIZE
               Causeway.Bench.Run idle IP:PORT HOST COUNT
               Causeway.Bench.Run grpc-request FILE SIZE
        """);
    return 2;
}
