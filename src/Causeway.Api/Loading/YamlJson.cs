using System.Globalization;
using System.Text.Json.Nodes;

namespace Causeway.Api.Loading;

/// <summary>
/// YAML documents as the JSON Kubernetes reads them (its YAML-to-JSON step): plain scalars typed by the YAML 1.2 core
/// schema, quoted ones strings. For tools that rewrite manifests (kube-inject) rather than load mesh config.
/// </summary>
public static class YamlJson
{
    /// <summary>Every non-empty document of the stream; a syntax error throws a FormatException with its line.</summary>
    public static IReadOnlyList<JsonNode> ReadDocuments(string text)
    {
        var documents = new List<JsonNode>();
        foreach (var doc in YamlDocumentReader.Read(text))
        {
            if (doc.Error is not null)
            {
                throw new FormatException($"line {doc.ErrorLine}: {doc.Error}");
            }

            if (doc.Root is not null && ToJson(doc.Root) is { } json)
            {
                documents.Add(json);
            }
        }

        return documents;
    }

    /// <summary>Whether a plain (unquoted) scalar reads back as this string, not as null, a boolean or a number (YAML 1.2 core schema, as the loader reads it).</summary>
    public static bool PlainReadsAsString(string text) => YamlScalarTypes.Classify(new YamlScalar(text, plain: true, tag: null, 0, 0)) == YamlScalarType.String;

    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMap map:
                var o = new JsonObject();
                foreach (var (key, value) in map.Entries)
                {
                    o[key.Value] = ToJson(value);
                }

                return o;
            case YamlSeq seq:
                var a = new JsonArray();
                foreach (var item in seq.Items)
                {
                    a.Add(ToJson(item));
                }

                return a;
            case YamlScalar s:
                return s.Type switch
                {
                    YamlScalarType.Null => null,
                    YamlScalarType.Bool => JsonValue.Create(YamlScalarTypes.IsTrue(s.Value)),
                    YamlScalarType.Int when YamlScalarTypes.TryGetInteger(s.Value, out var i) => JsonValue.Create(i),
                    YamlScalarType.Float when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
                    _ => JsonValue.Create(s.Value),
                };
            default:
                return null;
        }
    }
}
