using Causeway.Api.Diagnostics;
using Causeway.Api.Loading;
using Causeway.Api.Model.Common;
using Causeway.Expressions;

namespace Causeway.Api.Validation;

/// <summary>Collects the messages about one resource, each pointed at the line of the field it names.</summary>
public sealed class ValidationContext(LoadedResource resource)
{
    public LoadedResource Resource { get; } = resource;

    public List<Diagnostic> Diagnostics { get; } = [];

    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);

    public static FieldPath Spec { get; } = FieldPath.Root.Field("spec");

    public void Error(FieldPath path, string message, string? hint = null) =>
        Add(MessageTypes.SchemaValidationError, Severity.Error, path, message, hint);

    public void Warning(FieldPath path, string message, string? hint = null) =>
        Add(MessageTypes.SchemaWarning, Severity.Warning, path, message, hint);

    public void Add(MessageType type, Severity severity, FieldPath path, string message, string? hint = null) =>
        Diagnostics.Add(new Diagnostic(type, severity, message, Resource.Ref, Resource.Locate(path), path.IsRoot ? null : path.ToString(), hint));

    public void Required(FieldPath path, object? value, string? hint = null)
    {
        if (value is null || (value is string s && s.Length == 0))
        {
            Error(path, $"{path.Name ?? "value"} is required", hint);
        }
    }

    public void Port(FieldPath path, uint? port)
    {
        if (port is { } p && (p == 0 || p > 65535))
        {
            Error(path, $"port {p} is out of range (1-65535)");
        }
    }

    public void Percentage(FieldPath path, Percent? percent)
    {
        if (percent is not null && (double.IsNaN(percent.Value) || percent.Value < 0 || percent.Value > 100))
        {
            Error(path.Field("value"), $"percentage {percent.Value} is out of range (0-100)");
        }
    }

    /// <summary>Istio requires durations of at least 1ms where a duration bounds something (timeouts, intervals).</summary>
    public void Duration(FieldPath path, ProtoDuration? duration, TimeSpan? min = null)
    {
        if (duration is not { } d)
        {
            return;
        }

        var floor = min ?? TimeSpan.FromMilliseconds(1);
        if (d.Value < floor)
        {
            Error(path, $"duration {d} is shorter than the minimum {new ProtoDuration(floor)}");
        }
    }

    public void Regex(FieldPath path, string? pattern)
    {
        if (pattern is not null && Re2Syntax.Validate(pattern) is { } reason)
        {
            Error(path, $"invalid regex \"{Truncate(pattern)}\": {reason}", "Istio uses RE2 syntax: no backreferences or lookarounds");
        }
    }

    public void Labels(FieldPath path, Dictionary<string, string>? labels)
    {
        if (labels is null)
        {
            return;
        }

        foreach (var (k, v) in labels)
        {
            if (Names.CheckLabelKey(k) is { } keyError)
            {
                Error(path.Field(k), keyError);
            }
            else if (!Names.IsLabelValue(v))
            {
                Error(path.Field(k), $"invalid label value \"{v}\" for \"{k}\"", "at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
            }
        }
    }

    public void ExportTo(FieldPath path, List<string>? exportTo)
    {
        if (exportTo is null)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < exportTo.Count; i++)
        {
            var e = exportTo[i];
            if (!seen.Add(e))
            {
                Error(path.At(i), $"duplicate exportTo entry \"{e}\"");
            }
            else if (e is not "." and not "*" and not "~" && !Names.IsDns1123Label(e))
            {
                Error(path.At(i), $"invalid exportTo entry \"{e}\"", "use \".\" (this namespace), \"*\" (all) or a namespace name");
            }
        }

        if (exportTo.Contains("*") && exportTo.Count > 1)
        {
            Error(path, "exportTo \"*\" cannot be combined with other entries");
        }

        if (exportTo.Contains("~") && exportTo.Count > 1)
        {
            Error(path, "exportTo \"~\" (export to no one) cannot be combined with other entries");
        }
    }

    public void Selector(FieldPath path, Dictionary<string, string>? labels, string what = "selector")
    {
        if (labels is { Count: 0 })
        {
            return;
        }

        Labels(path, labels);
        if (labels is not null)
        {
            foreach (var (k, _) in labels)
            {
                if (k.Length == 0 || k == "*")
                {
                    Error(path, $"{what} has an empty or wildcard key");
                }
            }
        }
    }

    private static string Truncate(string s) => s.Length > 80 ? s[..80] + "..." : s;
}
