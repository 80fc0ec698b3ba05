using CsCheck;
using Derecho.Persistence;

namespace Derecho.Tests.Persistence;

public sealed class BlockListTests
{
    /// <summary>
    /// Any sequence of appends, trims from the front and truncations from the back leaves the same items, in the
    /// same order, as a <see cref="List{T}"/> given the same operations (runs of up to 3,000 appends cross blocks).
    /// </summary>
    [Fact]
    public void AppendsTrimsAndTruncationsKeepWhatAListKeeps()
    {
        var operation = Gen.OneOf(
            Gen.Int[1, 3000].Select(n => (Kind: 0, Amount: n)),
            Gen.Double[0, 1].Select(f => (Kind: 1, Amount: (int)(f * 1000))),
            Gen.Double[0, 1].Select(f => (Kind: 2, Amount: (int)(f * 1000))));
        operation.Array[1, 20].Sample(operations =>
        {
            var blocks = new BlockList<long>();
            var expected = new List<long>();
            var next = 0L;
            foreach (var (kind, amount) in operations)
            {
                if (kind == 0)
                {
                    for (var i = 0; i < amount; i++)
                    {
                        blocks.Add(next);
                        expected.Add(next++);
                    }
                }
                else
                {
                    var count = Math.Min(amount, expected.Count);
                    if (kind == 1)
                    {
                        blocks.RemoveFirst(count);
                        expected.RemoveRange(0, count);
                    }
                    else
                    {
                        blocks.RemoveLast(count);
                        expected.RemoveRange(expected.Count - count, count);
                    }
                }
                Assert.Equal(expected.Count, blocks.Count);
            }
            Assert.Equal(expected, Enumerable.Range(0, blocks.Count).Select(i => blocks[i]));
            if (blocks.Count > 0)
            {
                Assert.Equal(expected[^1], blocks[^1]);
            }
        });
    }

    [Fact]
    public void AnIndexOutsideTheItemsIsRefused()
    {
        var blocks = new BlockList<int>();
        blocks.Add(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => blocks[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => blocks[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => blocks.RemoveFirst(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => blocks.RemoveLast(2));
    }
}
