using System.Globalization;
using System.Text.Json;
using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Loading;

/// <summary>
/// Checks a YAML tree against a schema and, in the same pass, writes it as JSON for the source-generated binder.
/// Every problem is collected (not just the first), each with its field path and line. Scalars are written with the
/// JSON type the schema expects, which is how a quoted <c>"80"</c> is rejected for a port and an unquoted
/// <c>true</c> is rejected for a label value, as Kubernetes does.
/// </summary>
internal sealed class SchemaWalker(Utf8JsonWriter writer, List<SchemaIssue> issues)
{
    public void Walk(YamlNode node, Schema schema, FieldPath path)
    {
        if (node is YamlScalar { Type: YamlScalarType.Null })
        {
            writer.WriteNullValue();
            return;
        }

        switch (schema)
        {
            case AnySchema:
                WriteAny(node);
                break;
            case ObjectSchema obj:
                WalkObject(node, obj, path);
                break;
            case ListSchema list:
                WalkList(node, list, path);
                break;
            case MapSchema map:
                WalkMap(node, map, path);
                break;
            case ScalarSchema scalar:
                WalkScalar(node, scalar, path);
                break;
        }
    }

    private void WalkObject(YamlNode node, ObjectSchema schema, FieldPath path)
    {
        if (node is not YamlMap map)
        {
            Mismatch(node, "an object", path);
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        HashSet<string>? seen = null;
        foreach (var (key, value) in map.Entries)
        {
            var name = key.Value;
            if (!schema.Properties.TryGetValue(name, out var propertySchema))
            {
                if (schema.Aliases.TryGetValue(name, out var canonical))
                {
                    name = canonical;
                    propertySchema = schema.Properties[canonical];
                }
                else
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
            }

            seen ??= new HashSet<string>(StringComparer.Ordinal);
            if (!seen.Add(name))
            {
                issues.Add(new SchemaIssue(MessageTypes.SchemaValidationError, Severity.Error, $"duplicate field \"{name}\"", path.Field(name), key.Line, key.Column, "remove one of the two"));
                continue;
            }

            if (schema.Deprecated.TryGetValue(name, out var instead) || (name != key.Value && schema.Deprecated.TryGetValue(key.Value, out instead)))
            {
                issues.Add(new SchemaIssue(MessageTypes.Deprecated, Severity.Warning, $"field \"{key.Value}\" is deprecated", path.Field(key.Value), key.Line, key.Column, instead));
            }

            writer.WritePropertyName(name);
            Walk(value, propertySchema, path.Field(name));
        }

        writer.WriteEndObject();
    }

    private void WalkList(YamlNode node, ListSchema schema, FieldPath path)
    {
        if (node is not YamlSeq seq)
        {
            Mismatch(node, "a list", path);
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartArray();
        for (var i = 0; i < seq.Items.Count; i++)
        {
            var item = seq.Items[i];
            if (item is YamlScalar { Type: YamlScalarType.Null } && schema.Element is not AnySchema)
            {
                issues.Add(new SchemaIssue(MessageTypes.SchemaValidationError, Severity.Error, "list item is empty (null)", path.At(i), item.Line, item.Column, "remove the empty '-' entry"));
                continue;
            }

            Walk(item, schema.Element, path.At(i));
        }

        writer.WriteEndArray();
    }

    private void WalkMap(YamlNode node, MapSchema schema, FieldPath path)
    {
        if (node is not YamlMap map)
        {
            Mismatch(node, "an object (a map of names to values)", path);
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        HashSet<string>? seen = null;
        foreach (var (key, value) in map.Entries)
        {
            seen ??= new HashSet<string>(StringComparer.Ordinal);
            if (!seen.Add(key.Value))
            {
                issues.Add(new SchemaIssue(MessageTypes.SchemaValidationError, Severity.Error, $"duplicate key \"{key.Value}\"", path.Field(key.Value), key.Line, key.Column, "remove one of the two"));
                continue;
            }

            writer.WritePropertyName(key.Value);
            if (value is YamlScalar { Type: YamlScalarType.Null } && schema.Value is ObjectSchema)
            {
                // An empty value where an object is expected means "{}" (e.g. a header presence match).
                writer.WriteStartObject();
                writer.WriteEndObject();
                continue;
            }

            if (value is YamlScalar { Type: YamlScalarType.Null } && schema.Value is ScalarSchema)
            {
                issues.Add(new SchemaIssue(MessageTypes.SchemaValidationError, Severity.Error, $"value of \"{key.Value}\" is empty", path.Field(key.Value), value.Line, value.Column, "give a value, quoted if it is a string: \"\""));
                writer.WriteNullValue();
                continue;
            }

            Walk(value, schema.Value, path.Field(key.Value));
        }

        writer.WriteEndObject();
    }

    private void WalkScalar(YamlNode node, ScalarSchema schema, FieldPath path)
    {
        if (node is not YamlScalar s)
        {
            Mismatch(node, Expected(schema), path);
            writer.WriteNullValue();
            return;
        }

        var type = s.Type;
        switch (schema.Kind)
        {
            case ScalarKind.String:
                if (type != YamlScalarType.String)
                {
                    Error(s, path, $"expected a string, found {s.KindName} ({s.Value})", $"quote it: \"{s.Value}\"");
                }

                writer.WriteStringValue(s.Value);
                return;
            case ScalarKind.Bool:
                if (type != YamlScalarType.Bool)
                {
                    Error(s, path, $"expected true or false, found {s.KindName} ({s.Value})", "write true or false without quotes");
                    writer.WriteNullValue();
                    return;
                }

                writer.WriteBooleanValue(YamlScalarTypes.IsTrue(s.Value));
                return;
            case ScalarKind.Int32 or ScalarKind.UInt32 or ScalarKind.Int64 or ScalarKind.UInt64:
                WriteInteger(s, schema.Kind, path);
                return;
            case ScalarKind.Double:
                if (type is YamlScalarType.Int or YamlScalarType.Float &&
                    double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                {
                    writer.WriteNumberValue(d);
                    return;
                }

                Error(s, path, $"expected a number, found {s.KindName} ({s.Value})", "write a number without quotes, e.g. 50 or 0.5");
                writer.WriteNullValue();
                return;
            case ScalarKind.Duration:
                string? err = null;
                if (type is YamlScalarType.String or YamlScalarType.Int && ProtoDuration.TryParse(s.Value, out _, out err))
                {
                    writer.WriteStringValue(s.Value);
                    return;
                }

                Error(s, path, err ?? $"expected a duration, found {s.KindName} ({s.Value})", "durations look like 1.5s, 100ms, 5m or 1h");
                writer.WriteNullValue();
                return;
            case ScalarKind.IntOrString:
                if (type == YamlScalarType.Int && YamlScalarTypes.TryGetInteger(s.Value, out var n) && n is >= int.MinValue and <= int.MaxValue)
                {
                    writer.WriteNumberValue((int)n);
                }
                else
                {
                    writer.WriteStringValue(s.Value);
                }

                return;
            case ScalarKind.Enum:
                if (type == YamlScalarType.String && schema.EnumNames.Contains(s.Value))
                {
                    writer.WriteStringValue(s.Value);
                    return;
                }

                var suggestion = Suggestions.Closest(s.Value, schema.EnumNames);
                Error(s, path, $"unknown value \"{s.Value}\"; expected one of {string.Join(", ", schema.EnumNames)}", suggestion is null ? null : $"did you mean {suggestion}?");
                writer.WriteNullValue();
                return;
            case ScalarKind.Bytes:
                var buffer = new byte[(s.Value.Length * 3 / 4) + 4];
                if (type == YamlScalarType.String && Convert.TryFromBase64String(s.Value, buffer, out _))
                {
                    writer.WriteStringValue(s.Value);
                    return;
                }

                Error(s, path, "expected base64-encoded bytes", "encode the value with base64, or use body.string for text");
                writer.WriteNullValue();
                return;
        }
    }

    private void WriteInteger(YamlScalar s, ScalarKind kind, FieldPath path)
    {
        var (min, max, what) = kind switch
        {
            ScalarKind.Int32 => ((decimal)int.MinValue, (decimal)int.MaxValue, "an integer"),
            ScalarKind.UInt32 => (0m, (decimal)uint.MaxValue, "a non-negative integer"),
            ScalarKind.Int64 => (long.MinValue, (decimal)long.MaxValue, "an integer"),
            _ => (0m, (decimal)ulong.MaxValue, "a non-negative integer"),
        };
        if (s.Type != YamlScalarType.Int)
        {
            Error(s, path, $"expected {what}, found {s.KindName} ({s.Value})", s.Plain ? null : "remove the quotes");
            writer.WriteNullValue();
            return;
        }

        if (!decimal.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            value = YamlScalarTypes.TryGetInteger(s.Value, out var parsed) ? parsed : decimal.MaxValue;
        }

        if (value < min || value > max)
        {
            Error(s, path, $"{s.Value} is out of range for {what} ({min} to {max})", null);
            writer.WriteNullValue();
            return;
        }

        if (kind == ScalarKind.UInt64)
        {
            writer.WriteNumberValue((ulong)value);
        }
        else
        {
            writer.WriteNumberValue((long)value);
        }
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

    private void Mismatch(YamlNode node, string expected, FieldPath path) =>
        Error(node, path, $"expected {expected}, found {node.KindName}", null);

    private void Error(YamlNode node, FieldPath path, string message, string? hint) =>
        issues.Add(new SchemaIssue(MessageTypes.SchemaValidationError, Severity.Error, message, path, node.Line, node.Column, hint));
}
