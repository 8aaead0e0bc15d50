namespace Causeway.Cli.Tests;

/// <summary>
/// Tests that bind the Bookinfo sample's fixed addresses (127.0.10.N:9080, the gateway's 127.0.0.1:8080, the
/// demo's application ports) run one after another: two meshes on one address is exactly the fault
/// <see cref="LocalMeshStartTests"/> checks that `causeway up` refuses, so running them side by side would fail
/// one of them by design.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BookinfoAddresses
{
    public const string Name = "Bookinfo's fixed addresses";
}
