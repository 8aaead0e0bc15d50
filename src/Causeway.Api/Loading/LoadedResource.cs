using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Loading;

/// <summary>
/// A resource that loaded, with where it came from so later checks can point at the exact line of a field. Only the
/// document's text is kept; its line-aware tree is rebuilt the first time a message needs a line, so a large mesh
/// does not hold a YAML tree per resource in memory.
/// </summary>
public sealed class LoadedResource
{
    private readonly Func<YamlNode?> reparse;
    private YamlNode? root;

    internal LoadedResource(Resource resource, string file, YamlNode root, Func<YamlNode?> reparse)
    {
        Resource = resource;
        File = file;
        Line = root.Line;
        column = root.Column;
        this.reparse = reparse;
    }

    private readonly int column;

    public Resource Resource { get; }

    public string File { get; }

    public int Line { get; }

    public ResourceRef Ref => Resource.Ref;

    /// <summary>
    /// The location of a field; when the field is absent (a required field left out), the location of the closest
    /// enclosing field that exists.
    /// </summary>
    public SourceLocation Locate(FieldPath path)
    {
        root ??= reparse();
        var line = Line;
        var column = this.column;
        if (root is not YamlNode node)
        {
            return new SourceLocation(File, line, column);
        }

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
