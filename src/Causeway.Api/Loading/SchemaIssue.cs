using Causeway.Api.Diagnostics;

namespace Causeway.Api.Loading;

/// <summary>A problem found while checking a document against the schema, before it is bound to a resource.</summary>
internal sealed record SchemaIssue(MessageType Type, Severity Severity, string Message, FieldPath Path, int Line, int Column, string? Hint = null);
