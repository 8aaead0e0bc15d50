using System.Text.RegularExpressions;
using Causeway.Proxy.Forwarding;

namespace Causeway.Proxy.Tests.Forwarding;

/// <summary>x-request-id values as Envoy generates them when the client sent none: random version-4 UUIDs.</summary>
public sealed class RequestIdsTests
{
    [Fact]
    public void Generated_ids_are_distinct_version_4_uuids_that_guid_reads_back()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => RequestIds.Next()).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id =>
        {
            Assert.Matches(new Regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"), id);
            Assert.Equal(id, Guid.Parse(id).ToString());
        });
    }
}
