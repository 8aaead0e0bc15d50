namespace Causeway.Api.Loading;

/// <summary>
/// One document of a YAML stream: its root node, or the syntax error that stopped it. <see cref="Text"/> is the
/// document's own text, from which the same tree can be parsed again (see <see cref="YamlDocumentReader.Reparse"/>).
/// </summary>
internal sealed record YamlDocument(YamlNode? Root, int StartLine, string? Error, int ErrorLine, int ErrorColumn, string Text = "");
