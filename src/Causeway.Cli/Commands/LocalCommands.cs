using System.CommandLine;
using System.Net;
using Causeway.Cli.Local;

namespace Causeway.Cli.Commands;

/// <summary><c>causeway up DIR</c> (a whole mesh on this machine) and <c>causeway demo</c> (the same, with Bookinfo).</summary>
internal static class LocalCommands
{
    public static Command Up()
    {
        var dir = new Argument<string>("dir") { Description = "Directory of Istio YAML: ServiceEntry, WorkloadEntry (one loopback address each), Sidecar, Gateway, routing." };
        var push = new Option<string>("--push-address") { Description = "The control plane's push address.", DefaultValueFactory = _ => "127.0.0.1:15010" };
        var status = new Option<string>("--status-address") { Description = "The control plane's status address.", DefaultValueFactory = _ => "127.0.0.1:15014" };
        var command = new Command("up", "Run a whole mesh on this machine: the control plane, the gateways and a sidecar for every workload in DIR.") { dir, push, status };
        command.SetAction(async (parse, cancel) =>
        {
            var directory = parse.GetValue(dir)!;
            if (!Directory.Exists(directory))
            {
                await Console.Error.WriteLineAsync($"{directory}: no such directory").ConfigureAwait(false);
                return 2;
            }

            return await RunAsync(Path.GetFullPath(directory), parse.GetValue(push)!, parse.GetValue(status)!, 0, null, cancel).ConfigureAwait(false);
        });
        return command;
    }

    public static Command Demo()
    {
        var dir = new Option<string>("--dir") { Description = "Where the demo's config is written and watched.", DefaultValueFactory = _ => "causeway-demo" };
        var load = new Option<bool>("--load") { Description = "Send a little traffic through the gateway (a few requests a second, every third as jason) so the dashboard's graph moves." };
        var rate = new Option<double>("--load-rate") { Description = "Requests per second of --load.", DefaultValueFactory = _ => 4 };
        var command = new Command("demo", "Run the Bookinfo demo: six applications with their sidecars, an ingress gateway on 127.0.0.1:8080, Istio's Bookinfo routing.") { dir, load, rate };
        command.SetAction(async (parse, cancel) =>
        {
            var directory = Path.GetFullPath(parse.GetValue(dir)!);
            var tryDir = Path.Combine(directory, "try");
            Directory.CreateDirectory(tryDir);
            var assembly = typeof(LocalCommands).Assembly;
            foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("demo/", StringComparison.Ordinal)))
            {
                var relative = name["demo/".Length..].Replace('\\', '/');
                // The experiments go beside the config, not inside it: the control plane watches the directory
                // itself, so they live in a sibling folder until copied over.
                var target = relative.StartsWith("try/", StringComparison.Ordinal)
                    ? Path.Combine(directory + "-try", relative["try/".Length..])
                    : Path.Combine(directory, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await using var source = assembly.GetManifestResourceStream(name)!;
                await using var file = File.Create(target);
                await source.CopyToAsync(file, cancel).ConfigureAwait(false);
            }

            Directory.Delete(tryDir);
            Console.WriteLine($"Bookinfo demo: config in {directory} (edit it and the mesh follows within a second); experiments in {directory}-try");
            await using var apps = await BookinfoApps.StartAsync().ConfigureAwait(false);
            Console.WriteLine("✓ applications: productpage, details, reviews v1/v2/v3, ratings on 127.0.0.1:19081-19086");
            var rel = Path.GetRelativePath(Environment.CurrentDirectory, directory);
            var traffic = parse.GetValue(load) ? parse.GetValue(rate) : 0;
            return await RunAsync(directory, "127.0.0.1:15010", "127.0.0.1:15014", traffic, $$"""

                Try it:
                  curl -s http://127.0.0.1:8080/productpage                          # reviews v1: no stars
                  cp {{rel}}-try/reviews-jason-v2.yaml {{rel}}/reviews.yaml
                  curl -s -H 'end-user: jason' http://127.0.0.1:8080/productpage | grep stars   # jason: black stars (v2)
                  cp {{rel}}-try/reviews-50-v3.yaml {{rel}}/reviews.yaml              # half the requests: red stars (v3)
                  cp {{rel}}-try/reviews-jason-v2.yaml {{rel}}/reviews.yaml; cp {{rel}}-try/ratings-delay-jason.yaml {{rel}}/ratings.yaml
                  time curl -s -H 'end-user: jason' http://127.0.0.1:8080/productpage | grep unavailable   # ~6 s, then the error
                  ./causeway status                                                  # who runs which config
                  ./causeway dashboard                                               # the live mesh view (demo --load keeps traffic flowing)
                  ./causeway proxy-config routes productpage-v1.bookinfo             # what a sidecar holds
                Or open http://127.0.0.1:8080/productpage in a browser (sign in as jason there). Ctrl-C stops everything.
                """, cancel).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(string directory, string push, string status, double loadRate, string? hints, CancellationToken cancel)
    {
        if (!IPEndPoint.TryParse(push, out var pushAddress) || !IPEndPoint.TryParse(status, out var statusAddress))
        {
            await Console.Error.WriteLineAsync("--push-address and --status-address are IP:PORT").ConfigureAwait(false);
            return 2;
        }

        LocalMesh mesh;
        try
        {
            mesh = await LocalMesh.StartAsync(directory, pushAddress, statusAddress, Console.WriteLine).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"cannot start: {ex.Message} (is another mesh or control plane running?)").ConfigureAwait(false);
            return 1;
        }

        await using (mesh)
        {
            Console.WriteLine($"mesh ready: {mesh.Proxies.Count} proxies connected to the control plane");
            Console.WriteLine($"dashboard: http://{statusAddress.Address}:{mesh.ControlPlane.StatusPort}/dashboard");
            if (hints is not null)
            {
                Console.WriteLine(hints);
            }

            await using var load = loadRate > 0 ? new DemoLoad(new Uri("http://127.0.0.1:8080/productpage"), loadRate) : null;
            if (load is not null)
            {
                Console.WriteLine($"load: {loadRate} requests/s to http://127.0.0.1:8080/productpage (every third as jason)");
            }

            await Lifetime.WaitForStopAsync(cancel, "stopping the mesh").ConfigureAwait(false);
        }

        return 0;
    }
}
