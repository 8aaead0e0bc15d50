using System.Text.Json.Serialization;
using Causeway.Api.Model.Kubernetes;
using Causeway.Api.Model.Networking;
using Causeway.Api.Model.Security;
using Causeway.Api.Model.Telemetry;

namespace Causeway.Api.Loading;

/// <summary>
/// Source-generated (reflection-free, trimming-safe) binding of every kind we read. Field names are camelCase as on
/// the wire; enums bind by their Istio names.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    MaxDepth = 512,
    WriteIndented = true)]
[JsonSerializable(typeof(VirtualService))]
[JsonSerializable(typeof(DestinationRule))]
[JsonSerializable(typeof(Gateway))]
[JsonSerializable(typeof(ServiceEntry))]
[JsonSerializable(typeof(WorkloadEntry))]
[JsonSerializable(typeof(WorkloadGroup))]
[JsonSerializable(typeof(Sidecar))]
[JsonSerializable(typeof(PeerAuthentication))]
[JsonSerializable(typeof(AuthorizationPolicy))]
[JsonSerializable(typeof(RequestAuthentication))]
[JsonSerializable(typeof(Telemetry))]
[JsonSerializable(typeof(Service))]
[JsonSerializable(typeof(Endpoints))]
[JsonSerializable(typeof(EndpointSlice))]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(Deployment))]
[JsonSerializable(typeof(ServiceAccount))]
[JsonSerializable(typeof(Namespace))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(Node))]
[JsonSerializable(typeof(HttpMatchRequest))]
[JsonSerializable(typeof(L4MatchAttributes))]
[JsonSerializable(typeof(TlsMatchAttributes))]
[JsonSerializable(typeof(string))]
internal sealed partial class ModelJsonContext : JsonSerializerContext;
