using Causeway.Api.Model.Kubernetes;
using Causeway.Translation.Registry;
using Causeway.Translation.Tests.Support;

namespace Causeway.Translation.Tests.Translation;

/// <summary>
/// Kubernetes Services, EndpointSlices and Pods as Istio's Kubernetes registry reads them: the host
/// name.ns.svc.cluster.local, endpoints from the slices (not-ready ones unhealthy), pods as workloads, protocol from
/// appProtocol then the port name (istio.io "Protocol Selection"), headless and ExternalName services.
/// </summary>
public class KubernetesRegistryTests
{
    private const string Reviews = """
        apiVersion: v1
        kind: Service
        metadata: {name: reviews, namespace: shop}
        spec:
          selector: {app: reviews}
          clusterIP: 10.96.0.20
          ports: [{name: http, port: 9080, targetPort: 9080}, {name: metrics, port: 9090, appProtocol: http2}, {name: dns, port: 53, protocol: UDP}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: reviews-abc, namespace: shop, labels: {kubernetes.io/service-name: reviews}}
        addressType: IPv4
        ports: [{name: http, port: 9081}, {name: metrics, port: 9090}]
        endpoints:
        - addresses: [10.1.0.1]
          conditions: {ready: true}
          targetRef: {kind: Pod, name: reviews-v1-1, namespace: shop}
        - addresses: [10.1.0.2]
          conditions: {ready: false}
          targetRef: {kind: Pod, name: reviews-v2-1, namespace: shop}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: reviews-v1-1, namespace: shop, labels: {app: reviews, version: v1}}
        spec: {serviceAccountName: bookinfo-reviews, nodeName: node-a, containers: [{name: app, ports: [{name: http, containerPort: 9081}]}]}
        status: {podIP: 10.1.0.1, phase: Running, conditions: [{type: Ready, status: "True"}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: reviews-v2-1, namespace: shop, labels: {app: reviews, version: v2}}
        spec: {serviceAccountName: bookinfo-reviews, containers: [{name: app}]}
        status: {podIP: 10.1.0.2, phase: Running, conditions: [{type: Ready, status: "False"}]}
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: node-a, labels: {topology.kubernetes.io/region: eu-west, topology.kubernetes.io/zone: eu-west-1a}}
        """;

    private const string Client = """
        apiVersion: v1
        kind: Pod
        metadata: {name: client-1, namespace: shop, labels: {app: client}}
        spec: {containers: [{name: app}]}
        status: {podIP: 10.1.0.9, phase: Running}
        """;

    [Fact]
    public void A_service_is_its_fully_qualified_host_with_endpoints_from_its_slices_and_not_ready_ones_unhealthy()
    {
        var sim = TestMesh.Load(Reviews, Client).Sidecar("client-1", "shop", ("app", "client"));
        var r = sim.Send(9080, "reviews.shop");
        Assert.Equal("outbound|9080||reviews.shop.svc.cluster.local", r.Cluster);
        var endpoints = sim.Endpoints(r.Cluster).OrderBy(e => e.Address).ToList();
        Assert.Equal(["10.1.0.1:9081:True", "10.1.0.2:9081:False"], endpoints.Select(e => $"{e.Address}:{e.Port}:{e.Healthy}"));
        Assert.Equal("v1", endpoints[0].Labels["version"]); // the pod's labels, so subsets select it
        Assert.Equal("eu-west/eu-west-1a", endpoints[0].Locality); // from the node's topology labels
    }

    [Fact]
    public void Subsets_select_pods_by_label()
    {
        const string rule = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec: {host: reviews, subsets: [{name: v2, labels: {version: v2}}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v2}}]}]}
            """;
        var sim = TestMesh.Load(Reviews, Client, rule).Sidecar("client-1", "shop", ("app", "client"));
        Assert.Equal(["10.1.0.2"], sim.Endpoints("outbound|9080|v2|reviews.shop.svc.cluster.local").Select(e => e.Address));
    }

    [Theory]
    [InlineData("http", null, "HTTP")]
    [InlineData("grpc-api", null, "GRPC")]
    [InlineData("tcp-db", null, "TCP")]
    [InlineData("web", null, "")]
    [InlineData("tcp-db", "http", "HTTP")] // appProtocol wins over the name (istio.io Protocol Selection)
    [InlineData("web", "kubernetes.io/h2c", "HTTP2")]
    [InlineData("grpc", "custom.example/x", "GRPC")] // an appProtocol Istio does not know falls back to the name
    public void Port_protocol_is_app_protocol_then_the_name_prefix(string name, string? appProtocol, string expected) =>
        Assert.Equal(expected, KubernetesRegistry.PortProtocol(new ServicePort { Name = name, AppProtocol = appProtocol, Port = 80 }));

    [Fact]
    public void Udp_ports_are_not_part_of_the_mesh_and_pods_are_workloads_with_their_service_account()
    {
        var mesh = TestMesh.Load(Reviews, Client);
        var reviews = mesh.Service("reviews.shop.svc.cluster.local")!;
        Assert.Equal([9080u, 9090u], reviews.Ports.Select(p => p.Number));
        Assert.Equal("HTTP2", reviews.Port(9090)!.Protocol);
        Assert.Equal(["10.96.0.20"], reviews.Addresses);
        var pod = Assert.Single(mesh.Registry.Workloads, w => w.Name == "reviews-v1-1");
        Assert.Equal(("bookinfo-reviews", "10.1.0.1", true), (pod.ServiceAccount, pod.Address, pod.Healthy));
        Assert.Equal(["reviews.shop.svc.cluster.local"], mesh.Registry.ServicesOf("shop", "reviews-v1-1").Select(s => s.Hostname));
    }

    [Fact]
    public void Without_slices_a_service_selects_its_ready_pods_itself()
    {
        const string yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: ratings, namespace: shop}
            spec: {selector: {app: ratings}, ports: [{name: http, port: 9080, targetPort: 8080}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: ratings-1, namespace: shop, labels: {app: ratings}}
            spec: {containers: [{name: app}]}
            status: {podIP: 10.1.0.5, phase: Running, conditions: [{type: Ready, status: "True"}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: ratings-2, namespace: shop, labels: {app: ratings}}
            spec: {containers: [{name: app}]}
            status: {podIP: 10.1.0.6, phase: Running, conditions: [{type: Ready, status: "False"}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: ratings-old, namespace: shop, labels: {app: ratings}}
            spec: {containers: [{name: app}]}
            status: {podIP: 10.1.0.7, phase: Succeeded}
            """;
        var sim = TestMesh.Load(yaml, Client).Sidecar("client-1", "shop", ("app", "client"));
        var endpoints = sim.Endpoints("outbound|9080||ratings.shop.svc.cluster.local").OrderBy(e => e.Address);
        Assert.Equal(["10.1.0.5:8080:True", "10.1.0.6:8080:False"], endpoints.Select(e => $"{e.Address}:{e.Port}:{e.Healthy}"));
    }

    [Fact]
    public void A_selected_pod_serves_a_numeric_target_port_as_it_is_and_a_named_one_by_its_container_port()
    {
        // The endpoints controller's rule: targetPort 8080 is 8080 whatever the pod's container ports are called;
        // targetPort "web" is the pod's container port named web (a Service port name says nothing about the pod).
        const string yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: shop, namespace: shop}
            spec: {selector: {app: shop}, ports: [{name: http, port: 80, targetPort: 8080}, {name: grpc, port: 81, targetPort: web}, {name: tcp-plain, port: 82}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: shop-1, namespace: shop, labels: {app: shop}}
            spec: {containers: [{name: app, ports: [{name: http, containerPort: 9000}, {name: web, containerPort: 9443}]}]}
            status: {podIP: 10.1.0.5, phase: Running, conditions: [{type: Ready, status: "True"}]}
            """;
        var sim = TestMesh.Load(yaml, Client).Sidecar("client-1", "shop", ("app", "client"));
        Assert.Equal(8080u, Assert.Single(sim.Endpoints("outbound|80||shop.shop.svc.cluster.local")).Port);
        Assert.Equal(9443u, Assert.Single(sim.Endpoints("outbound|81||shop.shop.svc.cluster.local")).Port);
        Assert.Equal(82u, Assert.Single(sim.Endpoints("outbound|82||shop.shop.svc.cluster.local")).Port);
    }

    [Fact]
    public void Headless_services_go_to_the_original_destination_and_external_names_resolve_by_dns()
    {
        const string yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: db, namespace: shop}
            spec: {clusterIP: None, selector: {app: db}, ports: [{name: tcp, port: 5432}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: search, namespace: shop}
            spec: {type: ExternalName, externalName: search.example.com, ports: [{name: http, port: 80}]}
            """;
        var sim = TestMesh.Load(yaml, Client).Sidecar("client-1", "shop", ("app", "client"));
        Assert.True(sim.Cluster("outbound|5432||db.shop.svc.cluster.local")!.OriginalDestination);
        Assert.Equal(["search.example.com"], sim.Endpoints("outbound|80||search.shop.svc.cluster.local").Select(e => e.Address));
    }

    [Fact]
    public void The_export_to_annotation_hides_a_service_from_other_namespaces()
    {
        const string yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: internal, namespace: shop, annotations: {networking.istio.io/exportTo: "."}}
            spec: {selector: {app: internal}, ports: [{name: http, port: 80}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: outsider, namespace: other, labels: {app: outsider}}
            spec: {containers: [{name: app}]}
            status: {podIP: 10.2.0.1, phase: Running}
            """;
        var mesh = TestMesh.Load(yaml, Client);
        Assert.NotNull(mesh.Sidecar("client-1", "shop", ("app", "client")).Cluster("outbound|80||internal.shop.svc.cluster.local"));
        Assert.Null(mesh.Sidecar("outsider", "other", ("app", "outsider")).Cluster("outbound|80||internal.shop.svc.cluster.local"));
    }
}
