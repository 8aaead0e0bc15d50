using System.CommandLine;
using Causeway.Api.Loading;
using Causeway.Kubernetes;

namespace Causeway.Cli.Commands;

/// <summary><c>causeway kube-inject</c>: istioctl kube-inject's job, offline: manifests in, the same manifests with their pods' sidecars out.</summary>
internal static class KubeInjectCommand
{
    public static Command Create()
    {
        var defaults = new InjectionSettings();
        var file = new Option<string>("--filename", "-f") { Description = "The manifests (YAML, several documents allowed); - reads standard input.", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "Write here instead of standard output." };
        var image = new Option<string>("--image") { Description = "The image holding causeway, for the init and proxy containers.", DefaultValueFactory = _ => defaults.Image };
        var controlPlane = new Option<string>("--control-plane") { Description = "The control plane's push address as pods reach it.", DefaultValueFactory = _ => defaults.ControlPlane };
        var classic = new Option<bool>("--no-native-sidecar") { Description = "Put the proxy among the containers instead of a native sidecar (for API servers older than Kubernetes 1.29)." };
        var command = new Command("kube-inject", "Add the sidecar (an istio-init container running causeway iptables, an istio-proxy container running causeway proxy --capture) to the pods of Kubernetes manifests: Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and Lists of them.")
        {
            file, output, image, controlPlane, classic,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var path = parse.GetValue(file)!;
            string text;
            try
            {
                text = path == "-" ? await Console.In.ReadToEndAsync(cancel).ConfigureAwait(false) : await File.ReadAllTextAsync(path, cancel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"causeway kube-inject: {path}: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            IReadOnlyList<System.Text.Json.Nodes.JsonNode> documents;
            try
            {
                documents = YamlJson.ReadDocuments(text);
            }
            catch (FormatException ex)
            {
                await Console.Error.WriteLineAsync($"causeway kube-inject: {path}: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            var settings = new InjectionSettings
            {
                Image = parse.GetValue(image)!,
                ControlPlane = parse.GetValue(controlPlane)!,
                NativeSidecar = !parse.GetValue(classic),
            };
            var injected = YamlWriter.Write(documents.Select(d => SidecarInjector.InjectManifest(d, settings)));
            if (parse.GetValue(output) is { } outPath)
            {
                await File.WriteAllTextAsync(outPath, injected, cancel).ConfigureAwait(false);
            }
            else
            {
                Console.Write(injected);
            }

            return 0;
        });
        return command;
    }
}
