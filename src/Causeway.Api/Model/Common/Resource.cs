using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Causeway.Api.Diagnostics;

namespace Causeway.Api.Model.Common;

/// <summary>The envelope every resource shares: apiVersion, kind, metadata and (untyped) status.</summary>
public abstract class Resource
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>Status written by a controller; read only by the condition checks.</summary>
    public JsonNode? Status { get; set; }

    [JsonIgnore]
    public string Name => Metadata.Name ?? "";

    /// <summary>The namespace as written; empty when the YAML has none.</summary>
    [JsonIgnore]
    public string DeclaredNamespace => Metadata.Namespace ?? "";

    [JsonIgnore]
    public ResourceRef Ref => new(Kind, Metadata.Namespace, Name);

    [JsonIgnore]
    public IReadOnlyDictionary<string, string> Labels => Metadata.Labels ?? EmptyLabels;

    [JsonIgnore]
    public IReadOnlyDictionary<string, string> Annotations => Metadata.Annotations ?? EmptyLabels;

    public static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();
}

/// <summary>A resource whose body is a typed <c>spec</c>.</summary>
public abstract class Resource<TSpec> : Resource
    where TSpec : new()
{
    public TSpec Spec { get; set; } = new();
}
