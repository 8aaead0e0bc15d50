namespace Causeway.Api.Loading;

/// <summary>The expected shape of a YAML node, derived from the model types (see <see cref="SchemaCatalog"/>).</summary>
internal abstract class Schema;

internal sealed class ObjectSchema(string typeName, bool strict) : Schema
{
    public string TypeName { get; } = typeName;

    /// <summary>Unknown fields are errors when strict (Istio kinds), ignored otherwise (Kubernetes kinds).</summary>
    public bool Strict { get; } = strict;

    public Dictionary<string, Schema> Properties { get; } = new(StringComparer.Ordinal);

    /// <summary>Field names that still load but are deprecated, with what to use instead.</summary>
    public Dictionary<string, string> Deprecated { get; } = new(StringComparer.Ordinal);

    /// <summary>Alternative spellings accepted for a field (e.g. <c>mirror_percent</c>).</summary>
    public Dictionary<string, string> Aliases { get; } = new(StringComparer.Ordinal);
}

internal sealed class ListSchema(Schema element) : Schema
{
    public Schema Element { get; } = element;
}

internal sealed class MapSchema(Schema value) : Schema
{
    public Schema Value { get; } = value;
}

internal enum ScalarKind
{
    String,
    Bool,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Double,
    Duration,
    IntOrString,
    Enum,
    Bytes,
}

internal sealed class ScalarSchema(ScalarKind kind, IReadOnlyList<string>? enumNames = null) : Schema
{
    public ScalarKind Kind { get; } = kind;

    public IReadOnlyList<string> EnumNames { get; } = enumNames ?? [];
}

/// <summary>Any YAML is accepted and kept as is (status, free-form values).</summary>
internal sealed class AnySchema : Schema
{
    public static readonly AnySchema Instance = new();
}
