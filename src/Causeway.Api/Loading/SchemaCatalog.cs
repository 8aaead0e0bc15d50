using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Causeway.Api.Model.Common;
using Causeway.Api.Model.Networking;

namespace Causeway.Api.Loading;

/// <summary>
/// Derives the schema of every model type from the source-generated serializer metadata, so the model classes are
/// the single source of truth for field names and types. Built once per type and cached.
/// </summary>
internal static class SchemaCatalog
{
    private static readonly Dictionary<Type, Schema> Cache = [];
    private static readonly Lock Gate = new();

    /// <summary>Deprecated fields per type (Istio's protos mark these <c>deprecated=true</c>).</summary>
    private static readonly Dictionary<Type, (string Field, string Instead)[]> DeprecatedFields = new()
    {
        [typeof(HttpRoute)] = [("mirrorPercent", "use mirrorPercentage (a Percent, e.g. {value: 50})")],
        [typeof(FaultDelay)] = [("percent", "use percentage: {value: N}")],
        [typeof(CorsPolicy)] = [("allowOrigin", "use allowOrigins with exact/prefix/regex matches")],
        [typeof(OutlierDetection)] = [("consecutiveErrors", "use consecutive5xxErrors")],
        [typeof(ConsistentHashLb)] = [("minimumRingSize", "use ringHash.minimumRingSize")],
        [typeof(LoadBalancerSettings)] = [("warmupDurationSecs", "use warmup.duration")],
        [typeof(OutboundTrafficPolicy)] = [("egressProxy", "egressProxy is ignored by Istio; route through an egress gateway instead")],
    };

    private static readonly Dictionary<Type, (string Alias, string Field)[]> FieldAliases = new()
    {
        [typeof(HttpRoute)] = [("mirror_percent", "mirrorPercent")],
    };

    public static Schema For(JsonTypeInfo typeInfo, bool strict)
    {
        lock (Gate)
        {
            return Build(typeInfo, strict);
        }
    }

    private static Schema Build(JsonTypeInfo info, bool strict)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (Cache.TryGetValue(type, out var cached))
        {
            return cached;
        }

        if (Leaf(type, info) is { } leaf)
        {
            Cache[type] = leaf;
            return leaf;
        }

        var options = info.Options;
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Enumerable:
                var list = new ListSchema(Build(options.GetTypeInfo(info.ElementType!), strict));
                Cache[type] = list;
                return list;
            case JsonTypeInfoKind.Dictionary:
                var map = new MapSchema(Build(options.GetTypeInfo(info.ElementType!), strict));
                Cache[type] = map;
                return map;
            case JsonTypeInfoKind.Object:
                // Kubernetes kinds (and the metadata envelope) are lenient: real manifests carry many fields we do not model.
                var isStrict = strict && type.Namespace != typeof(Model.Kubernetes.Service).Namespace && type != typeof(ObjectMeta);
                var obj = new ObjectSchema(type.Name, isStrict);
                Cache[type] = obj;
                foreach (var p in info.Properties)
                {
                    if (p.Set is null)
                    {
                        continue; // computed (Effective*, Ref): not part of the wire format
                    }

                    try
                    {
                        obj.Properties[p.Name] = Build(options.GetTypeInfo(p.PropertyType), strict);
                    }
                    catch (InvalidOperationException ex)
                    {
                        throw new InvalidOperationException($"{type.Name}.{p.Name}: {ex.Message}", ex);
                    }
                }

                foreach (var (field, instead) in DeprecatedFields.GetValueOrDefault(type, []))
                {
                    obj.Deprecated[field] = instead;
                }

                foreach (var (alias, field) in FieldAliases.GetValueOrDefault(type, []))
                {
                    obj.Aliases[alias] = field;
                }

                return obj;
            default:
                throw new InvalidOperationException($"no schema for {type.FullName} ({info.Kind})");
        }
    }

    /// <summary>Leaf types: scalars, and JSON nodes that accept anything.</summary>
    private static Schema? Leaf(Type type, JsonTypeInfo info)
    {
        if (type.IsEnum)
        {
            return new ScalarSchema(ScalarKind.Enum, EnumNames(type, info));
        }

        ScalarKind? kind = type switch
        {
            _ when type == typeof(string) => ScalarKind.String,
            _ when type == typeof(bool) => ScalarKind.Bool,
            _ when type == typeof(int) => ScalarKind.Int32,
            _ when type == typeof(uint) => ScalarKind.UInt32,
            _ when type == typeof(long) => ScalarKind.Int64,
            _ when type == typeof(ulong) => ScalarKind.UInt64,
            _ when type == typeof(double) => ScalarKind.Double,
            _ when type == typeof(ProtoDuration) => ScalarKind.Duration,
            _ when type == typeof(IntOrString) => ScalarKind.IntOrString,
            _ when type == typeof(byte[]) => ScalarKind.Bytes,
            _ => null,
        };
        if (kind is { } k)
        {
            return new ScalarSchema(k);
        }

        return type == typeof(JsonNode) || type == typeof(JsonElement) ? AnySchema.Instance : null;
    }

    /// <summary>The wire names of an enum's members, read back through the serializer (no reflection over attributes).</summary>
    private static string[] EnumNames(Type type, JsonTypeInfo info)
    {
        var values = Enum.GetValuesAsUnderlyingType(type);
        var names = new string[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var value = Enum.ToObject(type, values.GetValue(i)!);
            names[i] = JsonSerializer.Serialize(value, info).Trim('"');
        }

        return names;
    }
}
