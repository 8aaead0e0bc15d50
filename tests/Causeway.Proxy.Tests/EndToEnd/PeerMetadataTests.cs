using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Causeway.Proxy.Tests.Support;

namespace Causeway.Proxy.Tests.EndToEnd;

/// <summary>
/// Istio's HTTP metadata exchange between two sidecars, without mTLS: the caller's sidecar sends its workload's
/// metadata (x-envoy-peer-metadata, x-envoy-peer-metadata-id) to in-mesh destinations only; the destination's sidecar
/// reports the caller in its metrics (reporter="destination", source_workload and the rest) and strips the headers
/// before the application sees them; its answer carries its own metadata, which the caller's sidecar strips in turn.
/// </summary>
public sealed class PeerMetadataTests
{
    [Fact]
    public async Task The_destination_reports_its_caller_and_neither_application_sees_the_headers()
    {
        uint port = (uint)FreePort.Next(), external = (uint)FreePort.Next();
        await using var reviews = await Backend.StartAsync("reviews");
        var yaml = $$$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: {{{port}}}, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: reviews}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: partner, namespace: default}
            spec:
              hosts: [api.partner.example]
              location: MESH_EXTERNAL
              resolution: STATIC
              ports: [{number: {{{external}}}, name: http, protocol: HTTP, targetPort: {{{reviews.Http1Port}}}}]
              endpoints: [{address: 127.0.0.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: front, namespace: default}
            spec: {address: 127.0.77.11, labels: {app: front, version: v1}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews, namespace: default}
            spec: {address: 127.0.77.12, labels: {app: reviews, version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: front, namespace: default}
            spec:
              workloadSelector: {labels: {app: front}}
              egress:
              - {port: {number: {{{port}}}, protocol: HTTP, name: http}, bind: 127.0.78.11, captureMode: NONE, hosts: ["./*"]}
              - {port: {number: {{{external}}}, protocol: HTTP, name: http-ext}, bind: 127.0.78.11, captureMode: NONE, hosts: ["./*"]}
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: reviews, namespace: default}
            spec:
              workloadSelector: {labels: {app: reviews}}
              ingress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:{{{reviews.Http1Port}}}"}]
              egress: [{port: {number: {{{port}}}, protocol: HTTP, name: http}, bind: 127.0.78.12, captureMode: NONE, hosts: ["./*"]}]
            """;
        await using var frontSidecar = await ProxyUnderTest.SidecarAsync(yaml, "front", "default");
        await using var reviewsSidecar = await ProxyUnderTest.SidecarAsync(yaml, "reviews", "default");
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        // The front application calls reviews through its sidecar; a header it forges is not passed on as metadata.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.78.11:{port}/reviews/1");
        request.Headers.Host = "reviews.default.svc.cluster.local";
        request.Headers.TryAddWithoutValidation("x-envoy-peer-metadata", "forged");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var seen = JsonDocument.Parse(body).RootElement.GetProperty("headers");
        Assert.False(seen.TryGetProperty("x-envoy-peer-metadata", out _), body);
        Assert.False(seen.TryGetProperty("x-envoy-peer-metadata-id", out _), body);
        Assert.False(response.Headers.Contains("x-envoy-peer-metadata"));
        Assert.False(response.Headers.Contains("x-envoy-peer-metadata-id"));

        // The destination reporter knows its caller; the source reporter knew its destination already.
        var stats = await client.GetStringAsync(reviewsSidecar.Admin("/stats/prometheus"));
        var labels = Regex.Match(stats, "^istio_requests_total\\{(reporter=\"destination\"[^}]*)\\} 1$", RegexOptions.Multiline).Groups[1].Value;
        foreach (var label in new[]
        {
            "source_workload=\"front\"", "source_workload_namespace=\"default\"", "source_app=\"front\"", "source_version=\"v1\"",
            "source_canonical_service=\"front\"", "source_canonical_revision=\"v1\"", "destination_workload=\"reviews\"", "destination_version=\"v2\"",
        })
        {
            Assert.Contains(label, labels, StringComparison.Ordinal);
        }

        // Outside the mesh (MESH_EXTERNAL), the workload's metadata is not sent.
        using var partner = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.78.11:{external}/v1/orders");
        partner.Headers.Host = "api.partner.example";
        using var partnerResponse = await client.SendAsync(partner);
        var partnerBody = await partnerResponse.Content.ReadAsStringAsync();
        Assert.True(partnerResponse.StatusCode == HttpStatusCode.OK, partnerBody);
        Assert.False(JsonDocument.Parse(partnerBody).RootElement.GetProperty("headers").TryGetProperty("x-envoy-peer-metadata", out _), partnerBody);
    }

    [Fact]
    public void The_header_is_istios_base64_struct_and_anything_else_reads_as_no_peer()
    {
        var me = new Protocol.V1.ProxyIdentity { Role = Protocol.V1.ProxyRole.Sidecar, Name = "ratings-v1", Namespace = "bookinfo", Address = "10.1.2.3", ServiceAccount = "bookinfo-ratings" };
        me.Labels["app"] = "ratings";
        var own = Telemetry.PeerMetadata.Encode(me);
        Assert.Equal("sidecar~10.1.2.3~ratings-v1.bookinfo~bookinfo.svc.cluster.local", own.Id);
        var fields = Google.Protobuf.WellKnownTypes.Struct.Parser.ParseFrom(Convert.FromBase64String(own.Metadata)).Fields;
        Assert.Equal("ratings-v1", fields["WORKLOAD_NAME"].StringValue);
        Assert.Equal("ratings", fields["LABELS"].StructValue.Fields["app"].StringValue);

        var peer = Telemetry.PeerMetadata.Decode(own.Metadata)!;
        Assert.Equal(("ratings-v1", "bookinfo", "ratings"), (peer.Workload, peer.Namespace, peer.Labels["app"]));
        Assert.Null(Telemetry.PeerMetadata.Decode("forged"));
        Assert.Null(Telemetry.PeerMetadata.Decode(Convert.ToBase64String([0xff, 0xff, 0xff])));
        Assert.Null(Telemetry.PeerMetadata.Decode(null));
    }
}
