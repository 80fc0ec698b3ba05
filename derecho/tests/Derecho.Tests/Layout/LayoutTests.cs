using Derecho.Configuration;
using Derecho.Layout;
using Derecho.Membership;

namespace Derecho.Tests.Layout;

public sealed class LayoutTests
{
    private static View ViewOf(int id, params uint[] nodes) =>
        new(id, [.. nodes.Select(n => new ViewMember(n, 1, $"127.0.0.1:{1000 + n}"))], [], []);

    private static string[] Shards(GroupAllocation allocation, int type = 0, int subgroup = 0) =>
        [.. allocation.Types[type].Subgroups[subgroup].Select(s => string.Join(',', s.Members))];

    [Fact]
    public void Fixed_even_shards_fill_in_rank_order_and_wait_for_enough_members()
    {
        var layout = new GroupLayout([SubgroupTypeLayout.OneSubgroup("Kv", SubgroupSpec.FixedEvenShards(2, 3))]);
        var inadequate = Assert.Throws<InadequateViewException>(() => layout.Allocate(ViewOf(4, 0, 1, 2, 3, 4), null));
        Assert.Contains("Kv subgroup 0 shard 1 needs 3 members", inadequate.Message, StringComparison.Ordinal);
        var allocation = layout.Allocate(ViewOf(5, 0, 1, 2, 3, 4, 5, 6), null);
        Assert.Equal(["0,1,2", "3,4,5"], Shards(allocation));
    }

    [Fact]
    public void Members_keep_their_shards_across_views_and_replacements_fill_gaps()
    {
        var layout = new GroupLayout([SubgroupTypeLayout.OneSubgroup("Kv", SubgroupSpec.FlexibleEvenShards(2, 2, 3))]);
        var first = layout.Allocate(ViewOf(1, 0, 1, 2, 3, 4), null);
        Assert.Equal(["0,1,4", "2,3"], Shards(first));
        var afterFailure = layout.Allocate(ViewOf(2, 0, 2, 3, 4, 5), first);
        Assert.Equal(["0,4,5", "2,3"], Shards(afterFailure));
        Assert.Throws<InadequateViewException>(() => layout.Allocate(ViewOf(3, 0, 2, 3), afterFailure));
    }

    [Fact]
    public void A_shard_below_its_minimum_takes_a_member_from_a_shard_with_one_to_spare()
    {
        var layout = new GroupLayout([SubgroupTypeLayout.OneSubgroup("Kv", SubgroupSpec.FlexibleEvenShards(2, 2, 3))]);
        var before = layout.Allocate(ViewOf(1, 0, 5, 1, 2, 3), null);
        Assert.Equal(["0,5,3", "1,2"], Shards(before));
        // Node 2 fails: shard 1 keeps only node 1, and no node is unassigned; shard 0 gives up its latest-ranked member.
        var after = layout.Allocate(ViewOf(2, 0, 5, 1, 3), before);
        Assert.Equal(["0,5", "1,3"], Shards(after));
        // With no shard above its minimum the view stays inadequate.
        Assert.Throws<InadequateViewException>(() => layout.Allocate(ViewOf(3, 0, 5, 1), after));
    }

    [Fact]
    public void Reserved_nodes_make_overlapping_subgroups()
    {
        var spec = new SubgroupSpec([new ShardSpec(2, 2) { ReservedNodeIds = [7, 8] }]);
        var layout = new GroupLayout([SubgroupTypeLayout.IdenticalSubgroups("A", 2, spec), SubgroupTypeLayout.OneSubgroup("B", SubgroupSpec.AllMembers)]);
        var allocation = layout.Allocate(ViewOf(1, 1, 7, 2, 8), null);
        Assert.Equal(["7,8"], Shards(allocation, 0, 0));
        Assert.Equal(["7,8"], Shards(allocation, 0, 1));
        Assert.Equal(["1,2"], Shards(allocation, 1, 0));
    }

    [Fact]
    public void A_user_function_decides_and_its_mistakes_are_named()
    {
        var layout = new GroupLayout([SubgroupTypeLayout.FromFunction("F", (view, _) =>
            [[[.. view.Members.Where(m => m.NodeId % 2 == 0).Select(m => m.NodeId)], [.. view.Members.Where(m => m.NodeId % 2 == 1).Select(m => m.NodeId)]]])]);
        Assert.Equal(["0,2", "1,3"], Shards(layout.Allocate(ViewOf(1, 0, 1, 2, 3), null)));
        Assert.Throws<InadequateViewException>(() => layout.Allocate(ViewOf(2, 0, 2), null));
    }

    [Fact]
    public void Allocations_round_trip_through_bytes()
    {
        var layout = new GroupLayout([SubgroupTypeLayout.OneSubgroup("Kv", SubgroupSpec.FixedEvenShards(2, 1))]);
        var allocation = layout.Allocate(ViewOf(3, 5, 6), null);
        var copy = GroupAllocation.FromBytes(allocation.ToBytes());
        Assert.Equal(allocation.ToString(), copy.ToString());
        Assert.Equal(3, copy.ViewId);
        Assert.Throws<FormatException>(() => GroupAllocation.FromBytes(allocation.ToBytes().AsSpan(0, 9)));
    }

    [Fact]
    public void Derechos_json_layout_is_read_from_configuration()
    {
        const string json = """
            [{"type_alias": "KvStore", "layout": [{"min_nodes_by_shard": [1, "2"], "max_nodes_by_shard": [3, 3],
              "reserved_node_ids_by_shard": [[0], []], "delivery_modes_by_shard": ["Ordered", "Raw"], "profiles_by_shard": ["DEFAULT", "BIG"]}]}]
            """;
        var layout = JsonLayout.FromConfiguration([new ConfigurationEntry("LAYOUT", "json_layout", json, "test")])!;
        var shards = layout.Types[0].Subgroups![0].Shards;
        Assert.Equal(2, shards.Count);
        Assert.Equal((1, 3), (shards[0].MinMembers, shards[0].MaxMembers));
        Assert.Equal([0u], shards[0].ReservedNodeIds);
        Assert.Equal(DeliveryMode.Raw, shards[1].DeliveryMode);
        Assert.Equal("BIG", shards[1].Profile);
        Assert.Equal(0, layout.IndexOf("Derecho.Kv.KvStore"));
        Assert.Null(JsonLayout.FromConfiguration([]));
    }

    [Theory]
    [InlineData("{}", "non-empty JSON array")]
    [InlineData("[{\"layout\": []}]", "type_alias")]
    [InlineData("[{\"type_alias\": \"A\", \"layout\": [{\"min_nodes_by_shard\": [1]}]}]", "max_nodes_by_shard")]
    [InlineData("[{\"type_alias\": \"A\", \"layout\": [{\"min_nodes_by_shard\": [2], \"max_nodes_by_shard\": [1]}]}]", "min (2) <= max (1)")]
    [InlineData("[{\"type_alias\": \"A\", \"layout\": [{\"min_nodes_by_shard\": [1], \"max_nodes_by_shard\": [1], \"delivery_modes_by_shard\": [\"Fast\"]}]}]", "Fast")]
    [InlineData("[not json", "not valid JSON")]
    public void Bad_json_layouts_are_refused_naming_the_field(string json, string named)
    {
        var error = Assert.Throws<ConfigurationException>(() => JsonLayout.FromConfiguration([new ConfigurationEntry("LAYOUT", "json_layout", json, "derecho.cfg:9")]));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Contains("derecho.cfg:9", error.Message, StringComparison.Ordinal);
    }
}
