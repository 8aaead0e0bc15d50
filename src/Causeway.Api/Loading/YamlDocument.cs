namespace Causeway.Api.Loading;

/// <summary>One document of a YAML stream: its root node, or the syntax error that stopped it.</summary>
internal sealed record YamlDocument(YamlNode? Root, int StartLine, string? Error, int ErrorLine, int ErrorColumn);
