using System.Text.Json;
using Causeway.Api.Diagnostics;
using Causeway.Api.Model.Common;

namespace Causeway.Api.Loading;

/// <summary>
/// Loads Istio and Kubernetes resources from files, directories (recursively) and standard input. Each resource
/// either loads or is rejected on its own with messages naming the file, line, resource and field; nothing thrown
/// escapes, whatever the input.
/// </summary>
public static class ConfigLoader
{
    public const string StdinName = "-";

    /// <summary>Larger files are refused rather than read into memory.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    private static readonly string[] ConfigExtensions = [".yaml", ".yml", ".json"];

    public static LoadResult LoadPaths(IEnumerable<string> paths, TextReader? stdin = null)
    {
        var result = new LoadResult();
        foreach (var path in paths)
        {
            if (path == StdinName)
            {
                result.Add(LoadText((stdin ?? Console.In).ReadToEnd(), StdinName));
            }
            else if (Directory.Exists(path))
            {
                foreach (var file in EnumerateConfigFiles(path))
                {
                    result.Add(LoadFile(file));
                }
            }
            else if (File.Exists(path))
            {
                result.Add(LoadFile(path));
            }
            else
            {
                result.Diagnostics.Add(new Diagnostic(MessageTypes.UnreadableInput, Severity.Error, "no such file or directory", Location: new SourceLocation(path, 0, 0), Hint: "check the path"));
            }
        }

        return result;
    }

    /// <summary>YAML and JSON files under a directory, recursively, in a stable order; hidden folders are skipped.</summary>
    public static IEnumerable<string> EnumerateConfigFiles(string directory)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden, IgnoreInaccessible = true };
        return Directory.EnumerateFiles(directory, "*", options)
            .Where(f => ConfigExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Where(f => !Path.GetRelativePath(directory, f).Split(Path.DirectorySeparatorChar).Any(p => p.StartsWith('.')))
            .Order(StringComparer.Ordinal);
    }

    public static LoadResult LoadFile(string file)
    {
        try
        {
            var info = new FileInfo(file);
            if (info.Length > MaxFileBytes)
            {
                var tooBig = new LoadResult();
                tooBig.Diagnostics.Add(new Diagnostic(MessageTypes.UnreadableInput, Severity.Error, $"file is {info.Length} bytes; the limit is {MaxFileBytes}", Location: new SourceLocation(file, 0, 0), Hint: "split the file"));
                return tooBig;
            }

            return LoadText(File.ReadAllText(file), file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var failed = new LoadResult();
            failed.Diagnostics.Add(new Diagnostic(MessageTypes.UnreadableInput, Severity.Error, ex.Message, Location: new SourceLocation(file, 0, 0)));
            return failed;
        }
    }

    /// <summary>Loads every document of a YAML or JSON text; <paramref name="file"/> is the name messages use.</summary>
    public static LoadResult LoadText(string text, string file)
    {
        var result = new LoadResult();
        foreach (var doc in YamlDocumentReader.Read(text))
        {
            if (doc.Error is not null)
            {
                result.Diagnostics.Add(new Diagnostic(MessageTypes.YamlSyntax, Severity.Error, CleanYamlError(doc.Error), Location: new SourceLocation(file, doc.ErrorLine, doc.ErrorColumn), Hint: "fix the YAML syntax (indentation, quotes, colons)"));
                continue;
            }

            var source = doc.Text;
            var firstLine = doc.StartLine;
            LoadDocument(doc.Root!, file, result, () => YamlDocumentReader.Reparse(source, firstLine));
        }

        return result;
    }

    // reparse rebuilds root from the source text, for line lookups when a later message needs one.
    private static void LoadDocument(YamlNode root, string file, LoadResult result, Func<YamlNode?> reparse)
    {
        if (root is not YamlMap map)
        {
            Reject(result, file, root, null, "a document must be an object with apiVersion, kind and metadata", FieldPath.Root);
            return;
        }

        var apiVersion = map.GetString("apiVersion");
        var kind = map.GetString("kind");
        var name = (map.Get("metadata") as YamlMap)?.GetString("name") ?? "";
        var ns = (map.Get("metadata") as YamlMap)?.GetString("namespace");
        var resourceRef = new ResourceRef(kind ?? "(no kind)", ns, name);

        if (string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(apiVersion))
        {
            var missing = string.IsNullOrEmpty(kind) ? "kind" : "apiVersion";
            Reject(result, file, root, resourceRef, $"{missing} is required", FieldPath.Root.Field(missing));
            return;
        }

        if ((kind == "List" || kind.EndsWith("List", StringComparison.Ordinal)) && map.Get("items") is YamlSeq items)
        {
            for (var i = 0; i < items.Items.Count; i++)
            {
                var index = i;
                LoadDocument(items.Items[i], file, result, () => ((reparse() as YamlMap)?.Get("items") as YamlSeq)?.Items.ElementAtOrDefault(index));
            }

            return;
        }

        var slash = apiVersion.LastIndexOf('/');
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = apiVersion[(slash + 1)..];
        var info = KindRegistry.Find(group, kind);
        if (info is null)
        {
            ReportUnknownKind(result, file, root, resourceRef, group, kind, apiVersion);
            return;
        }

        if (!info.Versions.Contains(version))
        {
            Reject(result, file, root, resourceRef, $"apiVersion {apiVersion} is not served for {kind}; served versions: {string.Join(", ", info.Versions)}", FieldPath.Root.Field("apiVersion"), $"use apiVersion: {info.DefaultApiVersion}");
            return;
        }

        Bind(info, map, file, resourceRef, result, reparse);
    }

    private static void Bind(KindInfo info, YamlMap map, string file, ResourceRef resourceRef, LoadResult result, Func<YamlNode?> reparse)
    {
        var issues = new List<SchemaIssue>();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = 1024 }))
        {
            new SchemaWalker(writer, issues).WalkRoot(map, (ObjectSchema)SchemaCatalog.For(info.TypeInfo, info.Strict));
        }

        var failed = false;
        foreach (var issue in issues)
        {
            failed |= issue.Severity == Severity.Error;
            result.Diagnostics.Add(new Diagnostic(issue.Type, issue.Severity, issue.Message, resourceRef, new SourceLocation(file, issue.Line, issue.Column), issue.Path.ToString(), issue.Hint));
        }

        try
        {
            if (JsonSerializer.Deserialize(buffer.WrittenSpan, info.TypeInfo) is Resource resource)
            {
                (failed ? result.Partial : result.Resources).Add(new LoadedResource(resource, file, map, reparse));
            }
        }
        catch (JsonException ex) when (!failed)
        {
            // The walker checks what the binder needs, so this is a bug in one of them; report it as a resource error.
            Reject(result, file, map, resourceRef, "could not bind the resource: " + ex.Message, FieldPath.Root);
        }
        catch (JsonException)
        {
            // Already reported by the walker; the resource cannot even be partially bound.
        }
    }

    private static void ReportUnknownKind(LoadResult result, string file, YamlNode root, ResourceRef resourceRef, string group, string kind, string apiVersion)
    {
        var location = new SourceLocation(file, root.Line, root.Column);
        if (KindRegistry.UnsupportedReason(group, kind) is { } reason)
        {
            result.Diagnostics.Add(new Diagnostic(MessageTypes.UnsupportedKind, Severity.Warning, reason, resourceRef, location));
            return;
        }

        if (group.EndsWith(".istio.io", StringComparison.Ordinal))
        {
            var known = KindRegistry.All.Where(k => k.Group == group).Select(k => k.Kind).ToList();
            var suggestion = Suggestions.Closest(kind, known);
            var hint = suggestion is not null ? $"did you mean kind: {suggestion}?" : known.Count > 0 ? $"{group} kinds: {string.Join(", ", known)}" : null;
            result.Diagnostics.Add(new Diagnostic(MessageTypes.SchemaValidationError, Severity.Error, $"unknown kind {kind} in {apiVersion}", resourceRef, location, "kind", hint));
            return;
        }

        result.Diagnostics.Add(new Diagnostic(MessageTypes.SkippedKind, Severity.Info, $"{kind} ({apiVersion}) is not read by the mesh; skipped", resourceRef, location));
    }

    private static void Reject(LoadResult result, string file, YamlNode at, ResourceRef? resourceRef, string message, FieldPath path, string? hint = null)
    {
        var node = at;
        if (at is YamlMap m && path.Name is { } field && m.Get(field) is { } child)
        {
            node = child;
        }

        result.Diagnostics.Add(new Diagnostic(MessageTypes.SchemaValidationError, Severity.Error, message, resourceRef, new SourceLocation(file, node.Line, node.Column), path.IsRoot ? null : path.ToString(), hint));
    }

    /// <summary>YamlDotNet prefixes positions relative to the document chunk; ours are absolute, so drop theirs.</summary>
    private static string CleanYamlError(string message)
    {
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line", StringComparison.Ordinal) && i > 0 ? message[(i + 3)..] : message;
    }
}
