using System.CommandLine;
using Causeway.ControlPlane.Security;
using Causeway.Kubernetes;

namespace Causeway.Cli.Commands;

/// <summary><c>causeway install</c>: the manifests that run Causeway on a cluster, printed for kubectl or applied through the API.</summary>
internal static class InstallCommand
{
    public static Command Create()
    {
        var ns = new Option<string>("--namespace", "-n") { Description = "Where the control plane and the ingress gateway run.", DefaultValueFactory = _ => "causeway-system" };
        var image = new Option<string>("--image") { Description = "The image holding causeway (deploy/Dockerfile builds it).", DefaultValueFactory = _ => "causeway:latest" };
        var replicas = new Option<int>("--replicas") { Description = "Control plane replicas.", DefaultValueFactory = _ => 2 };
        var caDir = new Option<string?>("--ca-dir") { Description = "Your CA in Istio's cacerts layout; without it a fresh self-signed root is made for this install." };
        var noGateway = new Option<bool>("--no-ingress-gateway") { Description = "Leave out the ingress gateway." };
        var crdsOnly = new Option<bool>("--crds-only") { Description = "Only Istio's CustomResourceDefinitions (deploy/crds.yaml)." };
        var apply = new Option<bool>("--apply") { Description = "Create or replace the objects through the Kubernetes API instead of printing them." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "With --apply: the kubeconfig (else KUBECONFIG, ~/.kube/config, or the pod's service account)." };
        var command = new Command("install", "Print (or --apply) everything Causeway needs on Kubernetes: Istio's CRDs, the namespace, RBAC, the CA Secret, the control plane Deployment and Service, the injection and validation webhooks, and an ingress gateway.")
        {
            ns, image, replicas, caDir, noGateway, crdsOnly, apply, kubeconfig,
        };
        command.SetAction(async (parse, cancel) =>
        {
            IReadOnlyList<System.Text.Json.Nodes.JsonObject> objects;
            if (parse.GetValue(crdsOnly))
            {
                objects = [.. IstioCrds.Definitions()];
            }
            else
            {
                MeshCertificateAuthority ca;
                try
                {
                    ca = parse.GetValue(caDir) is { } dir ? MeshCertificateAuthority.FromCacerts(dir) : MeshCertificateAuthority.SelfSigned();
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"--ca-dir: {ex.Message}").ConfigureAwait(false);
                    return 2;
                }

                using (ca)
                {
                    objects = InstallManifests.Render(new InstallOptions
                    {
                        Namespace = parse.GetValue(ns)!,
                        Image = parse.GetValue(image)!,
                        Replicas = parse.GetValue(replicas),
                        Cacerts = ca.ExportCacerts(),
                        IngressGateway = !parse.GetValue(noGateway),
                    });
                }
            }

            if (!parse.GetValue(apply))
            {
                Console.Write(YamlWriter.Write(objects));
                return 0;
            }

            try
            {
                using var api = KubernetesConnection.Create(parse.GetValue(kubeconfig));
                var applier = new ApiApplier(api);
                foreach (var o in objects)
                {
                    var result = await applier.ApplyAsync(o, cancel).ConfigureAwait(false);
                    Console.WriteLine($"{o["kind"]!.GetValue<string>().ToLowerInvariant()}/{o["metadata"]!["name"]!.GetValue<string>()} {result}");
                }
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException or k8s.Exceptions.KubeConfigException or IOException)
            {
                await Console.Error.WriteLineAsync($"causeway install: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            return 0;
        });
        return command;
    }
}
