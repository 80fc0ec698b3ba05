using System.Numerics;

namespace Derecho.Multicast;

/// <summary>
/// How the blocks of a large message travel from its sender to the other members (Derecho's
/// <c>rdmc_send_algorithm</c>). In both the sender sends each block once and the receivers relay it, pipelined.
/// </summary>
public enum BulkSchedule
{
    /// <summary>
    /// <c>binomial_send</c> (the default): each block spreads along a binomial tree over the receivers, rooted at
    /// the receiver whose turn the block is, so every receiver relays about as much as the others and a block reaches
    /// all of them in about log2(receivers) hops.
    /// </summary>
    Binomial,

    /// <summary><c>chain_send</c>: every block goes along the chain of members that starts at the sender.</summary>
    Chain,
}

/// <summary>
/// The routes of <see cref="BulkSchedule"/>s. Members are named by their position counted from the sender: the
/// sender is 0 and the receivers are 1 … <c>receivers</c>. A pure function of the schedule, the number of
/// receivers and the block number, so that every member computes the same tree without talking about it.
/// </summary>
internal static class BulkRoutes
{
    /// <summary>The receiver the sender sends block <paramref name="block"/> to.</summary>
    public static int Root(BulkSchedule schedule, int receivers, int block) =>
        schedule == BulkSchedule.Chain ? 1 : 1 + (block % receivers);

    /// <summary>The position that relays block <paramref name="block"/> to <paramref name="position"/> (0: the sender).</summary>
    public static int Parent(BulkSchedule schedule, int receivers, int block, int position)
    {
        if (schedule == BulkSchedule.Chain)
        {
            return position - 1;
        }
        var root = Root(schedule, receivers, block);
        var index = TreeIndex(receivers, root, position);
        return index == 0 ? 0 : PositionOf(receivers, root, index - HighestBit(index));
    }

    /// <summary>The positions <paramref name="position"/> relays block <paramref name="block"/> to, the largest subtree first.</summary>
    public static IEnumerable<int> Children(BulkSchedule schedule, int receivers, int block, int position)
    {
        if (schedule == BulkSchedule.Chain)
        {
            if (position < receivers)
            {
                yield return position + 1;
            }
            yield break;
        }
        var root = Root(schedule, receivers, block);
        var index = TreeIndex(receivers, root, position);
        // In a binomial tree node i's children are i + 2^k for every 2^k above i's highest bit.
        for (var step = receivers <= 1 ? 0 : 1 << (BitOperations.Log2((uint)(receivers - 1))); step > index; step >>= 1)
        {
            if (index + step < receivers)
            {
                yield return PositionOf(receivers, root, index + step);
            }
        }
    }

    /// <summary>The index in the block's tree (the root is 0) of receiver <paramref name="position"/>.</summary>
    private static int TreeIndex(int receivers, int root, int position) => (position - root + receivers) % receivers;

    private static int PositionOf(int receivers, int root, int index) => 1 + ((root - 1 + index) % receivers);

    private static int HighestBit(int index) => 1 << BitOperations.Log2((uint)index);
}
