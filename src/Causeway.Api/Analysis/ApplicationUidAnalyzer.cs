using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Kubernetes;

namespace Causeway.Api.Analysis;

/// <summary>
/// IST0144: an application runs as UID 1337, the user the sidecar proxy runs as; its traffic would bypass the
/// proxy's capture rules. Mirrors Istio's deployment.ApplicationUIDAnalyzer.
/// </summary>
internal sealed class ApplicationUidAnalyzer : IAnalyzer
{
    public const long ProxyUid = 1337;

    public string Name => "deployment.ApplicationUIDAnalyzer";

    public IReadOnlyList<MessageType> Reports { get; } = [MessageTypes.InvalidApplicationUid];

    public void Analyze(AnalysisContext ctx)
    {
        foreach (var (source, pod) in ctx.OfKind<Pod>())
        {
            Check(ctx, source, pod.Spec, ValidationPaths.Spec);
        }

        foreach (var (source, deployment) in ctx.OfKind<Deployment>())
        {
            Check(ctx, source, deployment.Spec.Template?.Spec, ValidationPaths.Spec.Field("template").Field("spec"));
        }
    }

    private static void Check(AnalysisContext ctx, Loading.LoadedResource source, PodSpec? spec, Diagnostics.FieldPath path)
    {
        if (spec is null)
        {
            return;
        }

        if (spec.SecurityContext?.RunAsUser == ProxyUid)
        {
            ctx.Report(MessageTypes.InvalidApplicationUid, source, "User ID (UID) 1337 is reserved for the sidecar proxy.",
                path.Field("securityContext").Field("runAsUser"), "run the application as another user");
            return;
        }

        var containers = spec.Containers ?? [];
        for (var i = 0; i < containers.Count; i++)
        {
            if (containers[i].Name != "istio-proxy" && containers[i].SecurityContext?.RunAsUser == ProxyUid)
            {
                ctx.Report(MessageTypes.InvalidApplicationUid, source, "User ID (UID) 1337 is reserved for the sidecar proxy.",
                    path.Field("containers").At(i).Field("securityContext").Field("runAsUser"), "run the application as another user");
                return;
            }
        }
    }
}
