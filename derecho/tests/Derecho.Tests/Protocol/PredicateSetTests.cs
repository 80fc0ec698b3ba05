using Derecho.Sst;

namespace Derecho.Tests.Protocol;

public sealed class PredicateSetTests
{
    [Fact]
    public void One_time_fires_once_recurrent_while_true_transition_on_each_rise()
    {
        var predicates = new PredicateSet();
        var value = 0;
        var (oneTime, recurrent, transition) = (0, 0, 0);
        predicates.AddOneTime(() => value >= 1, () => oneTime++);
        predicates.AddRecurrent(() => value % 2 == 1 && recurrent < value, () => recurrent++);
        predicates.AddTransition(() => value % 2 == 1, () => transition++);
        foreach (var next in new[] { 0, 1, 1, 2, 3, 4, 5 })
        {
            value = next;
            predicates.Evaluate(() => false);
        }
        Assert.Equal(1, oneTime);
        Assert.Equal(5, recurrent);
        Assert.Equal(3, transition);
    }

    [Fact]
    public void Triggers_that_enable_one_another_run_in_the_same_evaluation()
    {
        var predicates = new PredicateSet();
        var (a, b) = (false, false);
        predicates.AddOneTime(() => b, () => a = true);
        predicates.AddOneTime(() => true, () => b = true);
        predicates.Evaluate(() => false);
        Assert.True(a);
    }

    /// <summary>
    /// A trigger that ends the view (the leader's commit installs the next one) retires the set: no predicate of it
    /// runs again, in this evaluation or later. Before, the ending view's stream predicates ran on against the own
    /// row's new columns, and a leader whose view lost shards crashed (IndexOutOfRangeException).
    /// </summary>
    [Fact]
    public void A_trigger_that_retires_the_set_stops_the_evaluation_under_way()
    {
        var predicates = new PredicateSet();
        var (before, after) = (0, 0);
        predicates.AddRecurrent(() => true, () => before++);
        predicates.AddOneTime(() => true, predicates.Retire);
        predicates.AddRecurrent(() => true, () => after++);
        predicates.Evaluate(() => false);
        predicates.Evaluate(() => false);
        Assert.Equal(1, before);
        Assert.Equal(0, after);
    }

    [Fact]
    public void The_table_keeps_the_newest_row_and_the_minimum_over_rows()
    {
        var own = new SstRow(1, 1, 0, 3);
        var table = new SharedStateTable(0, own, 3, [[0, 1, 2]]);
        own.Received[0][1] = 9;
        Assert.Equal(0, table.MinReceived(0, 1));
        var newer = Row(2, version: 5, received1: 7);
        Assert.True(table.Apply(1, newer));
        Assert.False(table.Apply(1, Row(2, version: 4, received1: 100)));
        Assert.True(table.Apply(2, Row(3, version: 1, received1: 8)));
        Assert.Equal(7, table.MinReceived(0, 1));
        Assert.False(table.TryTakePush());
        table.MarkDirty();
        Assert.True(table.TryTakePush());
        Assert.Equal(1, own.Version);
    }

    [Fact]
    public void A_shard_stream_takes_its_minimum_over_its_own_members_only()
    {
        var own = new SstRow(1, 1, 0, 3);
        own.Reset(0, 3, [3, 2, 0]);
        var table = new SharedStateTable(0, own, 3, [[0, 1, 2], [0, 2], [1]]);
        own.Received[1][1] = 4;
        var outsider = new SstRow(2, 1, 0, 3) { Version = 1 };
        outsider.Reset(0, 3, [3, 0, 1]);
        Assert.True(table.Apply(1, outsider));
        var member = new SstRow(3, 1, 0, 3) { Version = 1 };
        member.Reset(0, 3, [3, 2, 0]);
        member.Received[1][1] = 6;
        member.Persisted[1] = 2;
        own.Persisted[1] = 3;
        Assert.True(table.Apply(2, member));
        Assert.Equal(4, table.MinReceived(1, 1));
        Assert.Equal(2, table.MinPersisted(1));
        var misshapen = new SstRow(2, 1, 0, 3) { Version = 2 };
        misshapen.Reset(0, 3, [3, 2, 1]);
        Assert.False(table.Apply(1, misshapen));
    }

    private static SstRow Row(uint id, long version, long received1)
    {
        var row = new SstRow(id, 1, 0, 3) { Version = version };
        row.Received[0][1] = received1;
        return row;
    }
}
