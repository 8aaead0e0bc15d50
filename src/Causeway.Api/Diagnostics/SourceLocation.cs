namespace Causeway.Api.Diagnostics;

/// <summary>Where in the input a message points: a file (or "-" for standard input) and a 1-based line and column.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}" : File;
}
