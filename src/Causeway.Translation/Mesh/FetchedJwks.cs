namespace Causeway.Translation.Mesh;

/// <summary>A JSON Web Key Set fetched from a RequestAuthentication's jwksUri, or why it could not be.</summary>
public sealed record FetchedJwks(string Keys, string? Error, DateTimeOffset FetchedAt);
