using Derecho.Multicast;

namespace Derecho.Tests.Protocol;

public sealed class BulkRoutesTests
{
    /// <summary>Every receiver gets every block exactly once, from the parent the schedule names, and the sender sends it once.</summary>
    [Theory]
    [InlineData(BulkSchedule.Binomial)]
    [InlineData(BulkSchedule.Chain)]
    public void Every_block_reaches_every_receiver_once_along_a_tree(BulkSchedule schedule)
    {
        for (var receivers = 1; receivers <= 33; receivers++)
        {
            for (var block = 0; block < 70; block++)
            {
                var root = BulkRoutes.Root(schedule, receivers, block);
                Assert.InRange(root, 1, receivers);
                Assert.Equal(0, BulkRoutes.Parent(schedule, receivers, block, root));
                var reached = new int[receivers + 1];
                var depth = new int[receivers + 1];
                var frontier = new Queue<int>([root]);
                reached[root] = 1;
                depth[root] = 1;
                while (frontier.TryDequeue(out var position))
                {
                    foreach (var child in BulkRoutes.Children(schedule, receivers, block, position))
                    {
                        Assert.InRange(child, 1, receivers);
                        Assert.Equal(position, BulkRoutes.Parent(schedule, receivers, block, child));
                        reached[child]++;
                        depth[child] = depth[position] + 1;
                        frontier.Enqueue(child);
                    }
                }
                Assert.All(reached.Skip(1), count => Assert.Equal(1, count));
                // A chain is as deep as it is long; a binomial tree reaches everyone in at most ⌈log2 receivers⌉ relays.
                if (schedule == BulkSchedule.Chain)
                {
                    Assert.Equal(receivers, depth.Max());
                }
                else
                {
                    Assert.InRange(depth.Max(), 1, 1 + (int)Math.Ceiling(Math.Log2(receivers)));
                }
            }
        }
    }

    [Fact]
    public void The_binomial_schedule_spreads_the_relaying_over_the_receivers()
    {
        const int Receivers = 4;
        var relayed = new int[Receivers + 1];
        for (var block = 0; block < Receivers * 10; block++)
        {
            for (var position = 1; position <= Receivers; position++)
            {
                relayed[position] += BulkRoutes.Children(BulkSchedule.Binomial, Receivers, block, position).Count();
            }
        }
        // Per block the tree has Receivers - 1 edges; turning the root shares them out evenly.
        Assert.All(relayed.Skip(1), count => Assert.Equal(30, count));
    }
}
