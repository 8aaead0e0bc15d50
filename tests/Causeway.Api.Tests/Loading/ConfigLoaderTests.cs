using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Model.Networking;
using Causeway.Api.Tests.Support;

namespace Causeway.Api.Tests.Loading;

public class ConfigLoaderTests
{
    [Fact]
    public void Loads_a_multi_document_file_with_each_resource_typed()
    {
        var result = Yaml.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
                  weight: 80
                - destination: {host: reviews, subset: v2}
                  weight: 20
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              subsets:
              - name: v1
                labels: {version: v1}
            """);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.Resources.Count);
        var vs = Assert.IsType<VirtualService>(result.Resources[0].Resource);
        Assert.Equal(80, vs.Spec.Http![0].Route![0].Weight);
        Assert.Equal("v2", vs.Spec.Http[0].Route![1].Destination!.Subset);
        Assert.Equal(1, result.Resources[0].Line);
        Assert.Equal(13, result.Resources[1].Line);
        var dr = Assert.IsType<DestinationRule>(result.Resources[1].Resource);
        Assert.Equal("v1", dr.Spec.Subsets![0].Labels!["version"]);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1beta1")]
    [InlineData("v1alpha3")]
    public void Networking_versions_share_one_schema(string version)
    {
        var result = Yaml.Load($"apiVersion: networking.istio.io/{version}\nkind: Gateway\nmetadata: {{name: gw}}\nspec:\n  servers:\n  - port: {{number: 80, name: http, protocol: HTTP}}\n    hosts: ['*']\n");
        Assert.Empty(result.Diagnostics);
        Assert.IsType<Gateway>(Assert.Single(result.Resources).Resource);
    }

    [Fact]
    public void Unserved_version_is_rejected_with_the_served_ones_named()
    {
        var d = Assert.Single(Yaml.Load("apiVersion: networking.istio.io/v2\nkind: Gateway\nmetadata: {name: gw}\nspec: {}\n").Diagnostics);
        Assert.Equal(Severity.Error, d.Severity);
        Assert.Contains("v1, v1beta1, v1alpha3", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_names_file_line_resource_and_field_path()
    {
        var d = Assert.Single(Yaml.Load("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: prod
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews}
              - route:
                - destination: {host: reviews}
                  weight: "heavy"
            """, "vs.yaml").Diagnostics);
        Assert.Equal("spec.http[1].route[0].weight", d.FieldPath);
        Assert.Equal(("vs.yaml", 13, 15), (d.Location!.File, d.Location.Line, d.Location.Column));
        Assert.Equal(new ResourceRef("VirtualService", "prod", "reviews"), d.Resource);
        Assert.Equal("IST0106", d.Code);
    }

    [Fact]
    public void Unknown_field_suggests_the_closest_name()
    {
        var d = Assert.Single(Yaml.Load(Yaml.VirtualService("hosts: [reviews]\nhttp:\n- rout:\n  - destination: {host: reviews}\n")).Diagnostics);
        Assert.Equal("spec.http[0].rout", d.FieldPath);
        Assert.Contains("unknown field \"rout\"", d.Message, StringComparison.Ordinal);
        Assert.Equal("did you mean \"route\"?", d.Hint);
    }

    [Fact]
    public void Enum_values_are_checked_with_a_suggestion()
    {
        var d = Assert.Single(Yaml.Load(Yaml.DestinationRule("host: reviews\ntrafficPolicy:\n  loadBalancer:\n    simple: ROUND_ROBBIN\n")).Diagnostics);
        Assert.Equal("spec.trafficPolicy.loadBalancer.simple", d.FieldPath);
        Assert.Contains("LEAST_REQUEST", d.Message, StringComparison.Ordinal);
        Assert.Equal("did you mean ROUND_ROBIN?", d.Hint);
    }

    [Theory]
    [InlineData("1.5s", 1500)]
    [InlineData("100ms", 100)]
    [InlineData("1m", 60_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("250us", 0.25)]
    public void Durations_use_Go_syntax(string text, double ms)
    {
        var result = Yaml.Load(Yaml.VirtualService($"hosts: [reviews]\nhttp:\n- timeout: {text}\n  route:\n  - destination: {{host: reviews}}\n"));
        Assert.Empty(result.Diagnostics);
        var vs = (VirtualService)result.Resources[0].Resource;
        Assert.Equal(ms, vs.Spec.Http![0].Timeout!.Value.Value.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("1.5")]
    [InlineData("5 seconds")]
    [InlineData("1d")]
    public void Bad_durations_are_rejected(string text)
    {
        var d = Assert.Single(Yaml.Load(Yaml.VirtualService($"hosts: [reviews]\nhttp:\n- timeout: {text}\n  route:\n  - destination: {{host: reviews}}\n")).Diagnostics);
        Assert.Equal("spec.http[0].timeout", d.FieldPath);
        Assert.Equal(Severity.Error, d.Severity);
    }

    [Fact]
    public void Quoted_number_is_not_a_port_and_unquoted_number_is_not_a_label()
    {
        var portError = Assert.Single(Yaml.Load(Yaml.DestinationRule("host: reviews\ntrafficPolicy:\n  portLevelSettings:\n  - port: {number: \"80\"}\n    loadBalancer: {simple: RANDOM}\n")).Diagnostics);
        Assert.Contains("expected a non-negative integer", portError.Message, StringComparison.Ordinal);
        var labelError = Assert.Single(Yaml.Load(Yaml.DestinationRule("host: reviews\nsubsets:\n- name: v1\n  labels: {version: 1}\n")).Diagnostics);
        Assert.Equal("spec.subsets[0].labels.version", labelError.FieldPath);
        Assert.Equal("quote it: \"1\"", labelError.Hint);
    }

    [Fact]
    public void Deprecated_fields_load_with_a_warning()
    {
        var result = Yaml.Load(Yaml.VirtualService("""
            hosts: [ratings]
            http:
            - fault:
                delay: {percent: 10, fixedDelay: 7s}
              mirror: {host: ratings, subset: v2}
              mirror_percent: 50
              route:
              - destination: {host: ratings}
            """));
        Assert.Single(result.Resources);
        Assert.All(result.Diagnostics, d => Assert.Equal(Severity.Warning, d.Severity));
        Assert.Equal(["spec.http[0].fault.delay.percent", "spec.http[0].mirror_percent"], result.Diagnostics.Select(d => d.FieldPath!).Order().ToArray());
        var route = ((VirtualService)result.Resources[0].Resource).Spec.Http![0];
        Assert.Equal(50u, route.MirrorPercent);
        Assert.Equal(10, route.Fault!.Delay!.Percent);
    }

    [Fact]
    public void Kinds_a_mesh_does_not_read_are_skipped_with_an_info_note()
    {
        var result = Yaml.Load("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n");
        Assert.Empty(result.Resources);
        Assert.Equal(2, result.Diagnostics.Count);
        Assert.All(result.Diagnostics, d => Assert.Equal((Severity.Info, "CW0003"), (d.Severity, d.Code)));
    }

    [Fact]
    public void Misspelled_Istio_kind_is_an_error_with_a_suggestion()
    {
        var d = Assert.Single(Yaml.Load("apiVersion: networking.istio.io/v1\nkind: VirtualServce\nmetadata: {name: x}\nspec: {}\n").Diagnostics);
        Assert.Equal(Severity.Error, d.Severity);
        Assert.Equal("did you mean kind: VirtualService?", d.Hint);
    }

    [Fact]
    public void Kubernetes_kinds_ignore_fields_a_mesh_does_not_model()
    {
        var result = Yaml.Load("""
            apiVersion: v1
            kind: Service
            metadata: {name: reviews, labels: {app: reviews}}
            spec:
              ports:
              - {port: 9080, name: http, targetPort: 9080}
              selector: {app: reviews}
              sessionAffinity: None
              internalTrafficPolicy: Cluster
            """);
        Assert.Empty(result.Diagnostics);
        var svc = Assert.IsType<Causeway.Api.Model.Kubernetes.Service>(Assert.Single(result.Resources).Resource);
        Assert.Equal(9080, svc.Spec.Ports![0].TargetPort!.Value.Number);
    }

    [Fact]
    public void A_broken_document_does_not_hide_its_neighbours()
    {
        var result = Yaml.Load("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: [unclosed\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n");
        Assert.Equal(["a", "c"], result.Resources.Select(r => r.Resource.Name).ToArray());
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("CW0001", d.Code);
        Assert.True(d.Location!.Line >= 7, $"line {d.Location.Line} should point into the second document");
    }

    [Fact]
    public void Json_files_and_List_kinds_load()
    {
        var result = Yaml.Load("""{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}, {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "metadata": {"name": "default", "namespace": "a"}, "spec": {"egress": [{"hosts": ["./*"]}]}}]}""", "list.json");
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.Resources.Count);
    }

    [Fact]
    public void Duplicate_fields_are_errors()
    {
        var d = Assert.Single(Yaml.Load(Yaml.DestinationRule("host: a\nhost: b\n")).Diagnostics);
        Assert.Contains("duplicate field", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directories_are_read_recursively_in_order_skipping_hidden_folders()
    {
        var dir = Directory.CreateTempSubdirectory("causeway-load-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "sub"));
            Directory.CreateDirectory(Path.Combine(dir.FullName, ".git"));
            File.WriteAllText(Path.Combine(dir.FullName, "b.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
            File.WriteAllText(Path.Combine(dir.FullName, "sub", "a.yml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
            File.WriteAllText(Path.Combine(dir.FullName, ".git", "x.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: hidden}\n");
            File.WriteAllText(Path.Combine(dir.FullName, "notes.txt"), "not yaml");
            var result = ConfigLoader.LoadPaths([dir.FullName]);
            Assert.Equal(["b", "a"], result.Resources.Select(r => r.Resource.Name).ToArray());
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Standard_input_is_read_for_dash()
    {
        var result = ConfigLoader.LoadPaths(["-"], new StringReader("apiVersion: v1\nkind: Namespace\nmetadata: {name: piped}\n"));
        Assert.Equal("-", Assert.Single(result.Resources).File);
    }

    [Fact]
    public void Missing_path_is_reported_not_thrown()
    {
        var d = Assert.Single(ConfigLoader.LoadPaths(["/nonexistent/causeway.yaml"]).Diagnostics);
        Assert.Equal("CW0002", d.Code);
    }
}
