using Causeway.Api.Analysis;
using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Tests.Support;
using Causeway.Api.Validation;

namespace Causeway.Api.Tests.Corpus;

/// <summary>
/// Walks ../shared/istio-corpus: every configuration file Istio accepts must pass validation; the files Istio's
/// current CRDs reject must be rejected, each for its stated reason.
/// </summary>
public class IstioCorpusTests
{
    /// <summary>
    /// Files in Istio's tests/testdata/config written for pre-1.0 Istio. Current CRDs reject them (unknown kind or
    /// removed field), so must we. Each maps to the field paths we must name.
    /// </summary>
    private static readonly Dictionary<string, string[]> LegacyFiles = new()
    {
        ["tests/testdata/config/destination-rule-subsets.yaml"] = ["spec.subsets[2].selector"],
        ["tests/testdata/config/externalservice-httpbin.yaml"] = ["kind", "kind"],
        ["tests/testdata/config/rule-default-route-append-headers.yaml"] = ["kind", "spec.http[0].append_headers"],
        ["tests/testdata/config/rule-default-route-cors-policy.yaml"] = ["kind"],
        ["tests/testdata/config/rule-fault-injection.yaml"] = ["spec.http[0].match[0].source_labels", "spec.http[0].fault.abort.percent"],
        ["tests/testdata/config/rule-regex-route.yaml"] = ["kind", "spec.http[0].match[0].source_labels"],
        ["tests/testdata/config/rule-websocket-route.yaml"] = ["spec.http[0].websocketUpgrade", "spec.http[0].websocketUpgrade"],
    };

    public static TheoryData<string> ConfigFiles()
    {
        var data = new TheoryData<string>();
        foreach (var dir in new[] { "samples", Path.Combine("tests", "testdata", "config") })
        {
            foreach (var f in ConfigLoader.EnumerateConfigFiles(Path.Combine(RepoPaths.Corpus, dir)))
            {
                data.Add(Path.GetRelativePath(RepoPaths.Corpus, f).Replace('\\', '/'));
            }
        }

        return data;
    }

    [Fact]
    public void The_corpus_is_present()
    {
        Assert.True(Directory.Exists(RepoPaths.Corpus), $"expected the Istio corpus at {RepoPaths.Corpus}");
        Assert.True(ConfigFiles().Count > 60);
    }

    [Theory]
    [MemberData(nameof(ConfigFiles))]
    public void Istio_config_file_validates_as_Istio_would(string relative)
    {
        var result = ResourceValidation.LoadAndValidate([Path.Combine(RepoPaths.Corpus, relative)]);
        var errors = result.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        if (LegacyFiles.TryGetValue(relative, out var fields))
        {
            Assert.Equal(fields.Order(StringComparer.Ordinal), errors.Select(e => e.FieldPath ?? "").Order(StringComparer.Ordinal));
            Assert.All(errors, e => Assert.True(e.Location!.Line > 0 && e.Hint is not null, $"no line or hint: {e}"));
            return;
        }

        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.NotEmpty(result.Valid);
    }

    [Fact]
    public void Every_analyzer_input_file_loads_to_a_result_or_clear_errors()
    {
        foreach (var file in ConfigLoader.EnumerateConfigFiles(RepoPaths.AnalyzerTestData))
        {
            var result = ResourceValidation.LoadAndValidate([file]);
            var analysis = MeshAnalyzer.Analyze(result.Loaded);
            Assert.All(result.Diagnostics.Concat(analysis), d => Assert.False(string.IsNullOrWhiteSpace(d.Message)));
        }
    }

    public static TheoryData<string> BookinfoNetworkingFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(RepoPaths.Bookinfo, "networking"), "*.yaml").Order(StringComparer.Ordinal))
        {
            // Not Bookinfo's: it routes ACME challenges to cert-manager's resolver Service, which cert-manager installs.
            // bookinfo-gateway2 needs a second gateway deployment: see the test below.
            if (Path.GetFileName(f) is not ("certmanager-gateway.yaml" or "bookinfo-gateway2.yaml"))
            {
                data.Add(Path.GetFileName(f));
            }
        }

        return data;
    }

    /// <summary>The acceptance: each Bookinfo config analysed with bookinfo.yaml and destination-rule-all.yaml gives no errors.</summary>
    [Theory]
    [MemberData(nameof(BookinfoNetworkingFiles))]
    public void Bookinfo_config_analysed_with_the_app_and_its_destination_rules_has_no_errors(string file)
    {
        var paths = new[]
        {
            Path.Combine(RepoPaths.Bookinfo, "platform", "kube", "bookinfo.yaml"),
            Path.Combine(RepoPaths.Bookinfo, "networking", "destination-rule-all.yaml"),
            Path.Combine(RepoPaths.Bookinfo, "networking", file),
        }.Distinct().ToArray();
        var result = ResourceValidation.LoadAndValidate(paths);
        var diagnostics = result.Diagnostics.Concat(MeshAnalyzer.Analyze(result.Loaded)).ToList();
        var errors = diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    /// <summary>
    /// bookinfo-gateway2.yaml selects a second ingress gateway (istio: ingressgateway2) that the sample expects you to
    /// deploy; until it exists, istioctl analyze reports IST0101 for the selector, and so do we (and nothing else).
    /// </summary>
    [Fact]
    public void Bookinfo_second_gateway_needs_its_own_workload()
    {
        var result = ResourceValidation.LoadAndValidate([
            Path.Combine(RepoPaths.Bookinfo, "platform", "kube", "bookinfo.yaml"),
            Path.Combine(RepoPaths.Bookinfo, "networking", "destination-rule-all.yaml"),
            Path.Combine(RepoPaths.Bookinfo, "networking", "bookinfo-gateway2.yaml")]);
        var errors = result.Diagnostics.Concat(MeshAnalyzer.Analyze(result.Loaded)).Where(d => d.Severity == Severity.Error).ToList();
        var error = Assert.Single(errors);
        Assert.Equal(("IST0101", "Gateway bookinfo-gateway2", "spec.selector"), (error.Code, error.Resource!.ToString(), error.FieldPath));
    }
}
