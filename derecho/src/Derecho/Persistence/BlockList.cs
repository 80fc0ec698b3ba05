namespace Derecho.Persistence;

/// <summary>
/// A list kept in fixed blocks that each stay below the large-object heap's threshold: it grows without copying
/// what it holds (a log's index reaches millions of entries, and a <see cref="List{T}"/> would copy them all into a
/// new large array at every doubling), and drops items from the front (a trim) or the back (a truncation) in time
/// proportional to the blocks freed, not to the items kept.
/// </summary>
internal sealed class BlockList<T>
    where T : struct
{
    private const int BlockShift = 10;
    private const int BlockSize = 1 << BlockShift;
    private const int BlockMask = BlockSize - 1;

    private readonly List<T[]> _blocks = [];

    /// <summary>Where the first item sits in the first block.</summary>
    private int _start;

    /// <summary>The number of items.</summary>
    public int Count { get; private set; }

    /// <summary>The item at <paramref name="index"/> (0 is the first).</summary>
    public T this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var at = _start + index;
            return _blocks[at >> BlockShift][at & BlockMask];
        }
    }

    /// <summary>Appends <paramref name="item"/>.</summary>
    public void Add(T item)
    {
        var at = _start + Count;
        if (at >> BlockShift == _blocks.Count)
        {
            _blocks.Add(new T[BlockSize]);
        }
        _blocks[at >> BlockShift][at & BlockMask] = item;
        Count++;
    }

    /// <summary>Drops the first <paramref name="count"/> items.</summary>
    public void RemoveFirst(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        Count -= count;
        _start += count;
        var freed = Count == 0 ? _blocks.Count : _start >> BlockShift;
        _blocks.RemoveRange(0, freed);
        _start = Count == 0 ? 0 : _start & BlockMask;
    }

    /// <summary>Drops the last <paramref name="count"/> items.</summary>
    public void RemoveLast(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        Count -= count;
        if (Count == 0)
        {
            _blocks.Clear();
            _start = 0;
            return;
        }
        var end = _start + Count;
        var used = ((end - 1) >> BlockShift) + 1;
        _blocks.RemoveRange(used, _blocks.Count - used);
        if ((end & BlockMask) != 0)
        {
            Array.Clear(_blocks[^1], end & BlockMask, BlockSize - (end & BlockMask));
        }
    }
}
