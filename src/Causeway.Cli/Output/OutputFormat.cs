namespace Causeway.Cli.Output;

/// <summary>How messages are printed: a table for people, JSON for machines.</summary>
internal enum OutputFormat
{
    Table,
    Json,
}
