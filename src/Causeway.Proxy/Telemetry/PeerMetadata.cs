using System.Collections.Concurrent;
using Causeway.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Causeway.Proxy.Telemetry;

/// <summary>
/// Istio's HTTP metadata exchange: a sidecar sends its workload's metadata to an in-mesh destination in
/// <c>x-envoy-peer-metadata</c> (a base64 google.protobuf.Struct with Istio's node metadata keys: NAME, NAMESPACE,
/// WORKLOAD_NAME, LABELS, ...) and its node id in <c>x-envoy-peer-metadata-id</c>; the destination's sidecar reads
/// them for the source labels of its metrics, strips them before the application sees them, and answers with its own
/// in the response, which the caller's sidecar strips in turn. This is how Istio fills source_workload, source_app and
/// the rest at the destination without mTLS.
/// </summary>
public static class PeerMetadata
{
    public const string Header = "x-envoy-peer-metadata";
    public const string IdHeader = "x-envoy-peer-metadata-id";

    /// <summary>Different peers a proxy remembers decoded; past this, headers are decoded per request (not kept).</summary>
    private const int MaxRemembered = 1024;

    private static readonly ConcurrentDictionary<string, Peer?> Decoded = new(StringComparer.Ordinal);


    public static bool IsExchangeHeader(string name) =>
        name.Equals(Header, StringComparison.OrdinalIgnoreCase) || name.Equals(IdHeader, StringComparison.OrdinalIgnoreCase);

    /// <summary>The peer a request's metadata header describes, or null when it is absent or not Istio's format.</summary>
    public static Peer? Decode(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        if (Decoded.TryGetValue(header, out var peer))
        {
            return peer;
        }

        peer = Parse(header);
        if (Decoded.Count < MaxRemembered)
        {
            Decoded.TryAdd(header, peer);
        }

        return peer;
    }

    /// <summary>This proxy's two header values, encoded when a snapshot is compiled.</summary>
    public static Own Encode(ProxyIdentity me)
    {
        var labels = new Struct();
        foreach (var (k, v) in me.Labels)
        {
            labels.Fields[k] = Value.ForString(v);
        }

        var metadata = new Struct();
        metadata.Fields["NAME"] = Value.ForString(me.Name);
        metadata.Fields["NAMESPACE"] = Value.ForString(me.Namespace);
        metadata.Fields["WORKLOAD_NAME"] = Value.ForString(me.Name);
        metadata.Fields["LABELS"] = Value.ForStruct(labels);
        metadata.Fields["CLUSTER_ID"] = Value.ForString("Kubernetes");
        metadata.Fields["MESH_ID"] = Value.ForString("cluster.local");
        metadata.Fields["SERVICE_ACCOUNT"] = Value.ForString(me.ServiceAccount);
        metadata.Fields["INSTANCE_IPS"] = Value.ForString(me.Address);
        var role = me.Role == ProxyRole.Gateway ? "router" : "sidecar";
        return new Own($"{role}~{me.Address}~{me.Name}.{me.Namespace}~{me.Namespace}.svc.cluster.local", Convert.ToBase64String(metadata.ToByteArray()));
    }

    private static Peer? Parse(string header)
    {
        try
        {
            var metadata = Struct.Parser.ParseFrom(Convert.FromBase64String(header));
            var workload = Text(metadata, "WORKLOAD_NAME") ?? Text(metadata, "NAME");
            if (workload is null)
            {
                return null;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (metadata.Fields.TryGetValue("LABELS", out var l) && l.KindCase == Value.KindOneofCase.StructValue)
            {
                foreach (var (k, v) in l.StructValue.Fields)
                {
                    if (v.KindCase == Value.KindOneofCase.StringValue)
                    {
                        labels[k] = v.StringValue;
                    }
                }
            }

            return new Peer(workload, Text(metadata, "NAMESPACE") ?? "unknown", labels);
        }
        catch (Exception e) when (e is FormatException or InvalidProtocolBufferException)
        {
            return null; // not Istio's format: the source stays unknown, as with no header
        }
    }

    private static string? Text(Struct s, string key) =>
        s.Fields.TryGetValue(key, out var v) && v.KindCase == Value.KindOneofCase.StringValue && v.StringValue.Length > 0 ? v.StringValue : null;

    /// <summary>This proxy's header values.</summary>
    public sealed record Own(string Id, string Metadata);

    /// <summary>A peer workload as its metadata describes it.</summary>
    public sealed record Peer(string Workload, string Namespace, IDictionary<string, string> Labels);
}
