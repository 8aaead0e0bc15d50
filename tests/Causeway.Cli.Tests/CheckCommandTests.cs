using System.Text.Json;

namespace Causeway.Cli.Tests;

/// <summary><c>causeway validate</c> and <c>causeway analyze</c> end to end: output formats, exit codes, inputs.</summary>
public class CheckCommandTests
{
    [Fact]
    public void Analyze_of_the_bookinfo_sample_is_clean_and_exits_zero()
    {
        var (code, stdout, _) = CausewayProcess.Run("analyze samples/bookinfo");
        Assert.Equal(0, code);
        Assert.Equal("OK: 19 resources, 0 errors, 0 warnings, 0 info", stdout.Trim());
    }

    [Fact]
    public void Analyze_of_mistakes_exits_non_zero_with_one_plain_line_per_message_when_piped()
    {
        var (code, stdout, _) = CausewayProcess.Run("analyze samples/broken");
        Assert.Equal(1, code);
        var lines = stdout.Trim().Split('\n');
        Assert.StartsWith("FAILED:", lines[^1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("Error [IST0106] VirtualService bookinfo/reviews at samples/broken/mistakes.yaml:17: spec.http[1].route[0].weigth: unknown field", StringComparison.Ordinal)
                                    && l.Contains("did you mean \"weight\"?", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[IST0101]", StringComparison.Ordinal) && l.Contains("\"reviews+v4\"", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', stdout); // no colour codes when piped
    }

    [Fact]
    public void Validate_does_not_run_cross_resource_analysis()
    {
        var (code, stdout, _) = CausewayProcess.Run("validate samples/broken");
        Assert.Equal(1, code);
        Assert.DoesNotContain("[IST0101]", stdout, StringComparison.Ordinal);
        Assert.Contains("[IST0106]", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_names_level_code_resource_file_line_field_and_hint()
    {
        var (code, stdout, _) = CausewayProcess.Run("validate samples/broken -o json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(stdout);
        var first = doc.RootElement.EnumerateArray().First(e => e.GetProperty("field").GetString() == "spec.http[0].match[0].headers[\"End-User\"]");
        Assert.Equal("Error", first.GetProperty("level").GetString());
        Assert.Equal("IST0106", first.GetProperty("code").GetString());
        Assert.Equal("reviews", first.GetProperty("resource").GetProperty("name").GetString());
        Assert.Equal("samples/broken/mistakes.yaml", first.GetProperty("file").GetString());
        Assert.Equal(10, first.GetProperty("line").GetInt32());
        Assert.Equal("use \"end-user\"", first.GetProperty("hint").GetString());
    }

    [Fact]
    public void Standard_input_is_read_for_dash()
    {
        var yaml = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\nspec:\n  host: r\n  subsets: [{name: v1}, {name: v1}]\n";
        var (code, stdout, _) = CausewayProcess.Run("validate -", yaml);
        Assert.Equal(1, code);
        Assert.Contains("at -:6: spec.subsets[1].name: duplicate subset name", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_path_is_an_error_not_a_crash()
    {
        var (code, stdout, stderr) = CausewayProcess.Run("validate does/not/exist.yaml");
        Assert.Equal(1, code);
        Assert.Contains("[CW0002]", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_output_format_is_a_usage_error()
    {
        var (code, _, stderr) = CausewayProcess.Run("validate samples/bookinfo -o yaml");
        Assert.NotEqual(0, code);
        Assert.Contains("yaml", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        var (code, stdout, _) = CausewayProcess.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("validate", stdout, StringComparison.Ordinal);
        Assert.Contains("analyze", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Mesh_config_with_dns_auto_allocation_silences_the_addresses_warning()
    {
        var dir = Directory.CreateTempSubdirectory("causeway-cli-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "se.yaml"), "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db, namespace: default}\nspec:\n  hosts: [db.example.com]\n  ports: [{number: 5432, name: tcp, protocol: TCP}]\n  resolution: DNS\n");
            File.WriteAllText(Path.Combine(dir.FullName, "mesh.cfg"), "defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: \"true\"\n    ISTIO_META_DNS_AUTO_ALLOCATE: \"true\"\n");
            var without = CausewayProcess.Run($"analyze {dir.FullName}/se.yaml");
            Assert.Contains("[IST0134]", without.Stdout, StringComparison.Ordinal);
            Assert.Equal(0, without.ExitCode); // a warning does not fail the run
            var with = CausewayProcess.Run($"analyze {dir.FullName}/se.yaml --mesh-config {dir.FullName}/mesh.cfg");
            Assert.DoesNotContain("[IST0134]", with.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
