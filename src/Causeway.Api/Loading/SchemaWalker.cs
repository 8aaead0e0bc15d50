using System.Globalization;
using System.Text.Json;
using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Loading;

/// <summary>
/// Checks a YAML tree against a schema and, in the same pass, writes it as JSON for the source-generated binder.
/// Every problem is collected (not just the first), each with its field path and line. Scalars are written with the
/// JSON type the schema expects, which is how a quoted <c>"80"</c> is rejected for a port and an unquoted
/// <c>true</c> for a label value, as Kubernetes does. A value that is null or invalid is left out of the output, so
/// the bound resource never holds a null where the model has none (the field keeps its default).
/// </summary>
internal sealed class SchemaWalker(Utf8JsonWriter writer, List<SchemaIssue> issues)
{
    /// <summary>Writes a root object (the caller knows the node is a mapping).</summary>
    public void WalkRoot(YamlMap root, ObjectSchema schema) => WriteObject(root, schema, FieldPath.Root);

    /// <summary>
    /// Decides whether a node is written: false for null, or for a value that does not fit the schema (an error is
    /// recorded). For scalars the converted value is returned so it is parsed once.
    /// </summary>
    private bool Accept(YamlNode node, Schema schema, FieldPath path, out JsonScalar scalar)
    {
        scalar = default;
        if (node is YamlScalar { Type: YamlScalarType.Null })
        {
            return false;
        }

        switch (schema)
        {
            case AnySchema:
                return true;
            case ObjectSchema or MapSchema when node is YamlMap:
            case ListSchema when node is YamlSeq:
                return true;
            case ObjectSchema:
                return Mismatch(node, "an object", path);
            case MapSchema:
                return Mismatch(node, "an object (a map of names to values)", path);
            case ListSchema:
                return Mismatch(node, "a list", path);
            case ScalarSchema s when node is YamlScalar sc:
                return Convert(sc, s, path, out scalar);
            case ScalarSchema s:
                return Mismatch(node, Expected(s), path);
            default:
                return false;
        }
    }

    private void Write(YamlNode node, Schema schema, FieldPath path, JsonScalar scalar)
    {
        switch (schema)
        {
            case AnySchema:
                WriteAny(node);
                break;
            case ObjectSchema obj:
                WriteObject((YamlMap)node, obj, path);
                break;
            case ListSchema list:
                WriteList((YamlSeq)node, list, path);
                break;
            case MapSchema map:
                WriteMap((YamlMap)node, map, path);
                break;
            default:
                scalar.WriteTo(writer);
                break;
        }
    }

    private void WriteObject(YamlMap map, ObjectSchema schema, FieldPath path)
    {
        writer.WriteStartObject();
        HashSet<string>? seen = null;
        foreach (var (key, value) in map.Entries)
        {
            var name = key.Value;
            if (!schema.Properties.TryGetValue(name, out var propertySchema))
            {
                if (!schema.Aliases.TryGetValue(name, out var canonical))
                {
                    if (schema.Strict)
                    {
                        var suggestion = Suggestions.Closest(name, schema.Properties.Keys);
                        issues.Add(new SchemaIssue(
                            MessageTypes.SchemaValidationError,
                            Severity.Error,
                            $"unknown field \"{name}\" in {schema.TypeName}",
                            path.Field(name),
                            key.Line,
                            key.Column,
                            suggestion is null ? $"known fields: {string.Join(", ", schema.Properties.Keys)}" : $"did you mean \"{suggestion}\"?"));
                    }

                    continue;
                }

                name = canonical;
                propertySchema = schema.Properties[canonical];
            }

            seen ??= new HashSet<string>(StringComparer.Ordinal);
            if (!seen.Add(name))
            {
                issues.Add(new SchemaIssue(MessageTypes.SchemaValidationError, Severity.Error, $"duplicate field \"{name}\"", path.Field(name), key.Line, key.Column, "remove one of the two"));
                continue;
            }

            if (schema.Deprecated.TryGetValue(name, out var instead))
            {
                issues.Add(new SchemaIssue(MessageTypes.Deprecated, Severity.Warning, $"field \"{key.Value}\" is deprecated", path.Field(key.Value), key.Line, key.Column, instead));
            }

            var fieldPath = path.Field(name);
            if (Accept(value, propertySchema, fieldPath, out var scalar))
            {
                writer.WritePropertyName(name);
                Write(value, propertySchema, fieldPath, scalar);
            }
        }

        writer.WriteEndObject();
    }

    private void WriteList(YamlSeq seq, ListSchema schema, FieldPath path)
    {
        writer.WriteStartArray();
        for (var i = 0; i < seq.Items.Count; i++)
        {
            var item = seq.Items[i];
            if (item is YamlScalar { Type: YamlScalarType.Null })
            {
                issues.Add(new SchemaIssue(MessageTypes.SchemaValidationError, Severity.Error, "list item is empty (null)", path.At(i), item.Line, item.Column, "remove the empty '-' entry"));
                continue;
            }

            if (Accept(item, schema.Element, path.At(i), out var scalar))
            {
                Write(item, schema.Element, path.At(i), scalar);
            }
        }

        writer.WriteEndArray();
    }

    private void WriteMap(YamlMap map, MapSchema schema, FieldPath path)
    {
        writer.WriteStartObject();
        HashSet<string>? seen = null;
        foreach (var (key, value) in map.Entries)
        {
            seen ??= new HashSet<string>(StringComparer.Ordinal);
            var entryPath = path.Field(key.Value);
            if (!seen.Add(key.Value))
            {
                issues.Add(new SchemaIssue(MessageTypes.SchemaValidationError, Severity.Error, $"duplicate key \"{key.Value}\"", entryPath, key.Line, key.Column, "remove one of the two"));
                continue;
            }

            if (value is YamlScalar { Type: YamlScalarType.Null })
            {
                if (schema.Value is ObjectSchema)
                {
                    // An empty value where an object is expected means "{}" (e.g. a header presence match).
                    writer.WritePropertyName(key.Value);
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }
                else
                {
                    issues.Add(new SchemaIssue(MessageTypes.SchemaValidationError, Severity.Error, $"value of \"{key.Value}\" is empty", entryPath, value.Line, value.Column, "give a value, quoted if it is a string: \"\""));
                }

                continue;
            }

            if (Accept(value, schema.Value, entryPath, out var scalar))
            {
                writer.WritePropertyName(key.Value);
                Write(value, schema.Value, entryPath, scalar);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Converts a scalar to the JSON value the schema expects, recording an error when it does not fit.</summary>
    private bool Convert(YamlScalar s, ScalarSchema schema, FieldPath path, out JsonScalar value)
    {
        value = default;
        var type = s.Type;
        switch (schema.Kind)
        {
            case ScalarKind.String:
                if (type != YamlScalarType.String)
                {
                    return Error(s, path, $"expected a string, found {s.KindName} ({s.Value})", $"quote it: \"{s.Value}\"");
                }

                value = JsonScalar.Of(s.Value);
                return true;
            case ScalarKind.Bool:
                if (type != YamlScalarType.Bool)
                {
                    return Error(s, path, $"expected true or false, found {s.KindName} ({s.Value})", "write true or false without quotes");
                }

                value = JsonScalar.Of(YamlScalarTypes.IsTrue(s.Value));
                return true;
            case ScalarKind.Int32 or ScalarKind.UInt32 or ScalarKind.Int64 or ScalarKind.UInt64:
                return ConvertInteger(s, schema.Kind, path, out value);
            case ScalarKind.Double:
                if (type is YamlScalarType.Int or YamlScalarType.Float &&
                    double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                {
                    value = JsonScalar.Of(d);
                    return true;
                }

                return Error(s, path, $"expected a number, found {s.KindName} ({s.Value})", "write a finite number without quotes, e.g. 50 or 0.5");
            case ScalarKind.Duration:
                string? err = null;
                if (type is YamlScalarType.String or YamlScalarType.Int && ProtoDuration.TryParse(s.Value, out _, out err))
                {
                    value = JsonScalar.Of(s.Value);
                    return true;
                }

                return Error(s, path, err ?? $"expected a duration, found {s.KindName} ({s.Value})", "durations look like 1.5s, 100ms, 5m or 1h");
            case ScalarKind.IntOrString:
                value = type == YamlScalarType.Int && YamlScalarTypes.TryGetInteger(s.Value, out var n) && n is >= int.MinValue and <= int.MaxValue
                    ? JsonScalar.Of(n)
                    : JsonScalar.Of(s.Value);
                return true;
            case ScalarKind.Enum:
                if (type == YamlScalarType.String && schema.EnumNames.Contains(s.Value))
                {
                    value = JsonScalar.Of(s.Value);
                    return true;
                }

                var suggestion = Suggestions.Closest(s.Value, schema.EnumNames);
                return Error(s, path, $"unknown value \"{s.Value}\"; expected one of {string.Join(", ", schema.EnumNames)}", suggestion is null ? null : $"did you mean {suggestion}?");
            case ScalarKind.Bytes:
                var buffer = new byte[(s.Value.Length * 3 / 4) + 4];
                if (type == YamlScalarType.String && System.Convert.TryFromBase64String(s.Value, buffer, out _))
                {
                    value = JsonScalar.Of(s.Value);
                    return true;
                }

                return Error(s, path, "expected base64-encoded bytes", "encode the value with base64, or use body.string for text");
            default:
                return false;
        }
    }

    private bool ConvertInteger(YamlScalar s, ScalarKind kind, FieldPath path, out JsonScalar value)
    {
        value = default;
        var (min, max, what) = kind switch
        {
            ScalarKind.Int32 => ((decimal)int.MinValue, (decimal)int.MaxValue, "an integer"),
            ScalarKind.UInt32 => (0m, (decimal)uint.MaxValue, "a non-negative integer"),
            ScalarKind.Int64 => (long.MinValue, (decimal)long.MaxValue, "an integer"),
            _ => (0m, (decimal)ulong.MaxValue, "a non-negative integer"),
        };
        if (s.Type != YamlScalarType.Int)
        {
            return Error(s, path, $"expected {what}, found {s.KindName} ({s.Value})", s.Plain ? null : "remove the quotes");
        }

        if (!decimal.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            number = YamlScalarTypes.TryGetInteger(s.Value, out var parsed) ? parsed : decimal.MaxValue;
        }

        if (number < min || number > max)
        {
            return Error(s, path, $"{s.Value} is out of range for {what} ({min} to {max})", null);
        }

        value = kind == ScalarKind.UInt64 ? JsonScalar.Of((ulong)number) : JsonScalar.Of((long)number);
        return true;
    }

    /// <summary>Writes any YAML as JSON, typing plain scalars by the YAML core schema.</summary>
    private void WriteAny(YamlNode node)
    {
        switch (node)
        {
            case YamlMap map:
                writer.WriteStartObject();
                foreach (var (k, v) in map.Entries)
                {
                    writer.WritePropertyName(k.Value);
                    WriteAny(v);
                }

                writer.WriteEndObject();
                break;
            case YamlSeq seq:
                writer.WriteStartArray();
                foreach (var item in seq.Items)
                {
                    WriteAny(item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalar s:
                switch (s.Type)
                {
                    case YamlScalarType.Null:
                        writer.WriteNullValue();
                        break;
                    case YamlScalarType.Bool:
                        writer.WriteBooleanValue(YamlScalarTypes.IsTrue(s.Value));
                        break;
                    case YamlScalarType.Int or YamlScalarType.Float when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d):
                        writer.WriteNumberValue(d);
                        break;
                    default:
                        writer.WriteStringValue(s.Value);
                        break;
                }

                break;
        }
    }

    private static string Expected(ScalarSchema s) => s.Kind switch
    {
        ScalarKind.Bool => "true or false",
        ScalarKind.Int32 or ScalarKind.Int64 => "an integer",
        ScalarKind.UInt32 or ScalarKind.UInt64 => "a non-negative integer",
        ScalarKind.Double => "a number",
        ScalarKind.Duration => "a duration",
        ScalarKind.Enum => "one of " + string.Join(", ", s.EnumNames),
        _ => "a string",
    };

    private bool Mismatch(YamlNode node, string expected, FieldPath path) =>
        Error(node, path, $"expected {expected}, found {node.KindName}", null);

    /// <summary>Records an error; returns false so callers can <c>return Error(...)</c> to reject the value.</summary>
    private bool Error(YamlNode node, FieldPath path, string message, string? hint)
    {
        issues.Add(new SchemaIssue(MessageTypes.SchemaValidationError, Severity.Error, message, path, node.Line, node.Column, hint));
        return false;
    }
}
