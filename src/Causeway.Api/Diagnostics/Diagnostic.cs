namespace Causeway.Api.Diagnostics;

/// <summary>One message about the input: what is wrong, where, and a one-line hint on how to fix it.</summary>
public sealed record Diagnostic(
    MessageType Type,
    Severity Severity,
    string Message,
    ResourceRef? Resource = null,
    SourceLocation? Location = null,
    string? FieldPath = null,
    string? Hint = null)
{
    public string Code => Type.Code;

    public override string ToString()
    {
        var where = Location is null ? "" : $" ({Location})";
        var what = Resource is null ? "" : $" {Resource}";
        var field = FieldPath is null ? "" : $" {FieldPath}:";
        var hint = Hint is null ? "" : $" Hint: {Hint}";
        return $"{Severity} [{Type.Code}]{what}{where}{field} {Message}{hint}";
    }
}
