namespace Causeway.Api.Diagnostics;

/// <summary>How serious a message is; the order matters (Error is the highest).</summary>
public enum Severity
{
    Info = 0,
    Warning = 1,
    Error = 2,
}
