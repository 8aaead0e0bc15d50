using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Loading;

/// <summary>A resource that loaded, with where it came from so later checks can point at the exact line of a field.</summary>
public sealed class LoadedResource
{
    private readonly YamlNode root;

    internal LoadedResource(Resource resource, string file, YamlNode root)
    {
        Resource = resource;
        File = file;
        this.root = root;
    }

    public Resource Resource { get; }

    public string File { get; }

    public int Line => root.Line;

    public ResourceRef Ref => Resource.Ref;

    /// <summary>
    /// The location of a field; when the field is absent (a required field left out), the location of the closest
    /// enclosing field that exists.
    /// </summary>
    public SourceLocation Locate(FieldPath path)
    {
        var node = root;
        var line = root.Line;
        var column = root.Column;
        foreach (var segment in path.Segments())
        {
            YamlNode? next = null;
            if (segment.Name is not null && node is YamlMap map)
            {
                foreach (var (k, v) in map.Entries)
                {
                    if (k.Value == segment.Name)
                    {
                        next = v;
                        line = k.Line;
                        column = k.Column;
                        break;
                    }
                }
            }
            else if (segment.Name is null && node is YamlSeq seq && segment.Index < seq.Items.Count)
            {
                next = seq.Items[segment.Index];
                line = next.Line;
                column = next.Column;
            }

            if (next is null)
            {
                break;
            }

            node = next;
        }

        return new SourceLocation(File, line, column);
    }
}
