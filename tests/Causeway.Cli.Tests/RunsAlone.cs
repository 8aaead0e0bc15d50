namespace Causeway.Cli.Tests;

/// <summary>
/// Tests that measure the process they start (its CPU while starved of file descriptors) run after the others, one
/// at a time: with the namespace tests' pods starting beside them, two cores are not enough to tell a spin from load.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "runs alone";
}
