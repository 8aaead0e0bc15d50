using Causeway.Api.Model.Common;

namespace Causeway.Api.Validation;

/// <summary>Validates one kind of resource on its own, as Istio's admission webhook does.</summary>
internal interface IResourceValidator
{
    bool Handles(Resource resource);

    void Validate(Resource resource, ValidationContext ctx);
}

/// <summary>Typed base so each validator works with its own resource class.</summary>
internal abstract class ResourceValidator<T> : IResourceValidator
    where T : Resource
{
    public bool Handles(Resource resource) => resource is T;

    public void Validate(Resource resource, ValidationContext ctx) => Validate((T)resource, ctx);

    protected abstract void Validate(T resource, ValidationContext ctx);
}
