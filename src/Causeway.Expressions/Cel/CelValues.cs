namespace Causeway.Expressions;

/// <summary>Where attribute values come from: a request's (or a test's).</summary>
public interface ICelActivation
{
    /// <summary>The value of an attribute by its dotted name ("request.path", "response.code", "request.headers"), or false when there is none.</summary>
    bool TryResolve(string name, out object? value);
}

/// <summary>A map attribute (headers): looked up by key, never enumerated.</summary>
public abstract class CelMap
{
    public abstract bool TryGet(string key, out object? value);
}

/// <summary>An evaluation error: no such attribute or key, a wrong type, a bad regular expression.</summary>
public sealed record CelError(string Message);

/// <summary>A prefix of an attribute name ("request" in request.path), resolved once the whole name is known.</summary>
internal sealed record CelNamespace(string Name);
