using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Validation;

/// <summary>Every resource needs a valid name; namespace, labels and annotations must be well formed.</summary>
internal static class MetadataValidator
{
    public static void Validate(Resource r, ValidationContext ctx)
    {
        var p = FieldPath.Root.Field("metadata");
        var name = r.Metadata.Name;
        if (string.IsNullOrEmpty(name))
        {
            if (string.IsNullOrEmpty(r.Metadata.GenerateName))
            {
                ctx.Error(p.Field("name"), "metadata.name is required");
            }
        }
        else if (!Names.IsDns1123Subdomain(name))
        {
            ctx.Error(p.Field("name"), $"invalid name \"{name}\"", "names are lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");
        }

        if (r.Metadata.Namespace is { } ns && !Names.IsDns1123Label(ns))
        {
            ctx.Error(p.Field("namespace"), $"invalid namespace \"{ns}\"");
        }

        ctx.Labels(p.Field("labels"), r.Metadata.Labels);
        foreach (var key in r.Annotations.Keys)
        {
            if (Names.CheckLabelKey(key) is not null)
            {
                ctx.Error(p.Field("annotations").Field(key), $"invalid annotation key \"{key}\"");
            }
        }
    }
}
