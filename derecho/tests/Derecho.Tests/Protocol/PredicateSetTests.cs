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

    [Fact]
    public void The_table_keeps_the_newest_row_and_the_minimum_over_rows()
    {
        var own = new SstRow(1, 1, 0, 3);
        var table = new SharedStateTable(0, own, 3);
        own.Received[1] = 9;
        Assert.Equal(0, table.MinReceived(1));
        var newer = Row(2, version: 5, received1: 7);
        Assert.True(table.Apply(1, newer));
        Assert.False(table.Apply(1, Row(2, version: 4, received1: 100)));
        Assert.True(table.Apply(2, Row(3, version: 1, received1: 8)));
        Assert.Equal(7, table.MinReceived(1));
        Assert.False(table.TryTakePush());
        table.MarkDirty();
        Assert.True(table.TryTakePush());
        Assert.Equal(1, own.Version);
    }

    private static SstRow Row(uint id, long version, long received1)
    {
        var row = new SstRow(id, 1, 0, 3) { Version = version };
        row.Received[1] = received1;
        return row;
    }
}
