using Causeway.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Causeway.Translation.Tests;

/// <summary>
/// A snapshot's version must change with every field of it: the push server sends nothing to a proxy whose version is
/// unchanged, so a field the version missed would change in the control plane and never reach the proxy (the metrics
/// overrides once did not count).
/// </summary>
public sealed class SnapshotVersionTests
{
    public static TheoryData<string> Fields()
    {
        var data = new TheoryData<string>();
        foreach (var field in ProxySnapshot.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldNumber != ProxySnapshot.VersionFieldNumber)
            {
                data.Add(field.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void Every_field_changes_the_version(string name)
    {
        var field = ProxySnapshot.Descriptor.FindFieldByName(name);
        var changed = new ProxySnapshot();
        SetSomething(changed, field);

        Assert.NotEqual(SnapshotVersion.Of(new ProxySnapshot()), SnapshotVersion.Of(changed));
        if (field.FieldNumber != ProxySnapshot.EndpointsFieldNumber)
        {
            Assert.NotEqual(SnapshotVersion.OfStructure(new ProxySnapshot()), SnapshotVersion.OfStructure(changed)); // not an endpoints-only change
        }
    }

    private static void SetSomething(ProxySnapshot snapshot, FieldDescriptor field)
    {
        var accessor = field.Accessor;
        if (field.IsRepeated)
        {
            var list = (System.Collections.IList)accessor.GetValue(snapshot);
            list.Add(field.FieldType switch
            {
                FieldType.String => "x",
                FieldType.Message => Something(field.MessageType),
                _ => throw new NotSupportedException(field.Name),
            });
            return;
        }

        accessor.SetValue(snapshot, field.FieldType switch
        {
            FieldType.Bool => true,
            FieldType.Enum => 1,
            FieldType.String => "x",
            FieldType.Message => Something(field.MessageType),
            _ => throw new NotSupportedException(field.Name),
        });
    }

    /// <summary>A message of this type with its first string or bool field set, so it serializes to something.</summary>
    private static IMessage Something(MessageDescriptor type)
    {
        var message = type.Parser.ParseFrom(ByteString.Empty);
        foreach (var f in type.Fields.InDeclarationOrder())
        {
            if (!f.IsRepeated && f.FieldType is FieldType.String or FieldType.Bool)
            {
                f.Accessor.SetValue(message, f.FieldType == FieldType.String ? "x" : true);
                return message;
            }
        }

        return message;
    }
}
