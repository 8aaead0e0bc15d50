using System.Text;

namespace Causeway.Api.Diagnostics;

/// <summary>
/// An immutable path into a resource, printed as users write it: <c>spec.http[1].route[0].weight</c>.
/// A linked list so that extending a path never copies it; the string is built only when a message needs it.
/// </summary>
public sealed class FieldPath
{
    public static readonly FieldPath Root = new(null, null, -1);

    private FieldPath(FieldPath? parent, string? name, int index)
    {
        Parent = parent;
        Name = name;
        Index = index;
    }

    public FieldPath? Parent { get; }

    /// <summary>Field name or map key; null for a list index.</summary>
    public string? Name { get; }

    /// <summary>List index, or -1 for a named segment.</summary>
    public int Index { get; }

    public bool IsRoot => Parent is null;

    public FieldPath Field(string name) => new(this, name, -1);

    public FieldPath At(int index) => new(this, null, index);

    /// <summary>The segments from the root, outermost first.</summary>
    public IReadOnlyList<FieldPath> Segments()
    {
        var list = new List<FieldPath>();
        for (var p = this; p is not null && !p.IsRoot; p = p.Parent)
        {
            list.Add(p);
        }

        list.Reverse();
        return list;
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var s in Segments())
        {
            if (s.Name is null)
            {
                sb.Append('[').Append(s.Index).Append(']');
            }
            else if (IsPlainName(s.Name))
            {
                if (sb.Length > 0)
                {
                    sb.Append('.');
                }

                sb.Append(s.Name);
            }
            else
            {
                sb.Append("[\"").Append(s.Name).Append("\"]");
            }
        }

        return sb.ToString();
    }

    private static bool IsPlainName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
