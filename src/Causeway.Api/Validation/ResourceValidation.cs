using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;

namespace Causeway.Api.Validation;

/// <summary>Validates each resource on its own, as Istio's admission webhook does (no cross-resource checks).</summary>
public static class ResourceValidation
{
    private static readonly IResourceValidator[] Validators =
    [
        new VirtualServiceValidator(),
        new DestinationRuleValidator(),
        new GatewayValidator(),
        new ServiceEntryValidator(),
        new WorkloadEntryValidator(),
        new WorkloadGroupValidator(),
        new SidecarValidator(),
        new PeerAuthenticationValidator(),
        new AuthorizationPolicyValidator(),
        new RequestAuthenticationValidator(),
        new TelemetryValidator(),
        new ServiceValidator(),
    ];

    public static List<Diagnostic> Validate(LoadedResource resource)
    {
        var ctx = new ValidationContext(resource);
        MetadataValidator.Validate(resource.Resource, ctx);
        foreach (var v in Validators)
        {
            if (v.Handles(resource.Resource))
            {
                v.Validate(resource.Resource, ctx);
            }
        }

        return ctx.Diagnostics;
    }

    /// <summary>
    /// Loads and validates. <see cref="CheckResult.Valid"/> holds the resources without errors (what a control plane
    /// may use); <see cref="CheckResult.Loaded"/> holds every resource that bound, which analysis reads as
    /// <c>istioctl analyze</c> does, so one mistake does not hide the others.
    /// </summary>
    public static CheckResult LoadAndValidate(IEnumerable<string> paths, TextReader? stdin = null) =>
        Check(ConfigLoader.LoadPaths(paths, stdin));

    /// <summary>Loads and validates YAML held in memory; <paramref name="file"/> names it in messages.</summary>
    public static CheckResult LoadAndValidateText(string text, string file) => Check(ConfigLoader.LoadText(text, file));

    private static CheckResult Check(LoadResult loaded)
    {
        var diagnostics = new List<Diagnostic>(loaded.Diagnostics);
        var valid = new List<LoadedResource>();
        foreach (var r in loaded.Resources)
        {
            var found = Validate(r);
            diagnostics.AddRange(found);
            if (!found.Any(d => d.Severity == Severity.Error))
            {
                valid.Add(r);
            }
        }

        foreach (var r in loaded.Partial)
        {
            // Validation still runs so every mistake is reported at once; these never count as valid.
            diagnostics.AddRange(Validate(r));
        }

        return new CheckResult([.. loaded.Resources, .. loaded.Partial], valid, diagnostics);
    }
}

/// <summary>What <see cref="ResourceValidation.LoadAndValidate"/> or <see cref="ResourceValidation.LoadAndValidateText"/> found.</summary>
public sealed record CheckResult(IReadOnlyList<LoadedResource> Loaded, IReadOnlyList<LoadedResource> Valid, List<Diagnostic> Diagnostics);
