namespace Causeway.Api.Loading;

/// <summary>A YAML node with the position it came from, so every message can name a line.</summary>
internal abstract class YamlNode
{
    protected YamlNode(int line, int column)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }

    public int Column { get; }

    /// <summary>Nodes in this subtree counting aliases as expanded; bounds the work a document can cause.</summary>
    public abstract long Weight { get; }

    public abstract string KindName { get; }
}

/// <summary>A scalar keeps its text and whether it was plain (unquoted), which decides its YAML type.</summary>
internal sealed class YamlScalar(string value, bool plain, string? tag, int line, int column) : YamlNode(line, column)
{
    public string Value { get; } = value;

    public bool Plain { get; } = plain;

    public string? Tag { get; } = tag;

    public override long Weight => 1;

    public YamlScalarType Type => YamlScalarTypes.Classify(this);

    public override string KindName => Type switch
    {
        YamlScalarType.Null => "null",
        YamlScalarType.Bool => "a boolean",
        YamlScalarType.Int => "an integer",
        YamlScalarType.Float => "a number",
        _ => "a string",
    };
}

internal sealed class YamlMap(int line, int column) : YamlNode(line, column)
{
    private long weight = 1;

    public List<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = [];

    public override long Weight => weight;

    public override string KindName => "an object";

    public void Add(YamlScalar key, YamlNode value)
    {
        Entries.Add(new(key, value));
        weight += 1 + value.Weight;
    }

    public YamlNode? Get(string key)
    {
        foreach (var e in Entries)
        {
            if (e.Key.Value == key)
            {
                return e.Value;
            }
        }

        return null;
    }

    public string? GetString(string key) => Get(key) is YamlScalar { Type: not YamlScalarType.Null } s ? s.Value : null;
}

internal sealed class YamlSeq(int line, int column) : YamlNode(line, column)
{
    private long weight = 1;

    public List<YamlNode> Items { get; } = [];

    public override long Weight => weight;

    public override string KindName => "a list";

    public void Add(YamlNode value)
    {
        Items.Add(value);
        weight += value.Weight;
    }
}
