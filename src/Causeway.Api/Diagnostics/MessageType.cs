namespace Causeway.Api.Diagnostics;

/// <summary>A kind of message with a stable code users can search for (Istio's IST codes where Istio has one).</summary>
public sealed record MessageType(string Code, string Name, Severity DefaultSeverity);
