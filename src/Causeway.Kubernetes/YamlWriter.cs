using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Causeway.Kubernetes;

/// <summary>
/// Writes JSON as block-style YAML, the way manifests are read by people: keys in their order, strings that YAML
/// would take for something else (numbers, booleans, null, anything with special characters) double-quoted in JSON
/// syntax, which is also YAML's.
/// </summary>
public static class YamlWriter
{
    // Only what a double-quoted YAML scalar needs escaped (quotes, backslashes, control characters), not HTML's.
    private static readonly JsonSerializerOptions Quoting = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(IEnumerable<JsonNode> documents)
    {
        var text = new StringBuilder();
        var first = true;
        foreach (var doc in documents)
        {
            if (!first)
            {
                text.Append("---\n");
            }

            first = false;
            WriteBlock(text, doc, 0);
        }

        return text.ToString();
    }

    private static void WriteBlock(StringBuilder text, JsonNode? node, int indent)
    {
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                foreach (var (key, value) in o)
                {
                    text.Append(' ', indent).Append(Scalar(key)).Append(':');
                    WriteValue(text, value, indent, inList: false);
                }

                break;
            case JsonArray a when a.Count > 0:
                foreach (var item in a)
                {
                    text.Append(' ', indent).Append('-');
                    if (item is JsonObject { Count: > 0 } itemObject)
                    {
                        // "- key: value" with the object's other keys under it
                        var firstKey = true;
                        foreach (var (key, value) in itemObject)
                        {
                            text.Append(firstKey ? " " : new string(' ', indent + 2)).Append(Scalar(key)).Append(':');
                            WriteValue(text, value, indent + 2, inList: false);
                            firstKey = false;
                        }
                    }
                    else
                    {
                        WriteValue(text, item, indent, inList: true);
                    }
                }

                break;
            default:
                text.Append(Inline(node)).Append('\n');
                break;
        }
    }

    private static void WriteValue(StringBuilder text, JsonNode? value, int indent, bool inList)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 }:
                text.Append('\n');
                WriteBlock(text, value, indent + 2);
                break;
            case JsonArray { Count: > 0 }:
                text.Append('\n');
                WriteBlock(text, value, inList ? indent + 2 : indent);
                break;
            default:
                text.Append(' ').Append(Inline(value)).Append('\n');
                break;
        }
    }

    private static string Inline(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Scalar(v.GetValue<string>()),
        _ => node.ToJsonString(),
    };

    /// <summary>A string as a YAML scalar: plain when YAML reads it back as the same string, otherwise double-quoted.</summary>
    private static string Scalar(string s)
    {
        var plain = s.Length > 0
            && !char.IsWhiteSpace(s[0]) && !char.IsWhiteSpace(s[^1])
            && "-?:,[]{}#&*!|>'\"%@`".IndexOf(s[0], StringComparison.Ordinal) < 0
            && !s.Contains(": ", StringComparison.Ordinal) && !s.Contains(" #", StringComparison.Ordinal)
            && s.All(c => c >= ' ' && c != 0x7f)
            && !LooksTyped(s);
        return plain ? s : JsonValue.Create(s).ToJsonString(Quoting);
    }

    /// <summary>
    /// Plain text that would not read back as a string: YAML 1.2's null, booleans and numbers (the loader's own rule),
    /// and the YAML 1.1 booleans older readers still take (kubectl's YAML library reads yes/no/on/off as booleans).
    /// </summary>
    private static bool LooksTyped(string s) =>
        !Causeway.Api.Loading.YamlJson.PlainReadsAsString(s)
        || s is "yes" or "Yes" or "YES" or "no" or "No" or "NO" or "on" or "On" or "ON" or "off" or "Off" or "OFF" or "y" or "Y" or "n" or "N";
}
