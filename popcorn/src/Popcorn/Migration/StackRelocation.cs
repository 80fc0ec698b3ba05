namespace Popcorn.Migration;

/// <summary>
/// Where pointers into frames being rewritten go: every moved allocation (and every frame's CFA, a zero-sized move),
/// sorted by source address so that a pointer is placed by bisection instead of a walk over all of them.
/// </summary>
internal sealed class StackRelocation
{
    private readonly ulong[] _starts;
    private readonly (ulong Size, ulong To)[] _allocations;
    private readonly ulong[] _ends;
    private readonly ulong[] _endTargets;
    private readonly ulong _largest;

    /// <summary>The moves, in frame order (the first to end at an address wins for one-past-the-end pointers).</summary>
    public StackRelocation(List<(ulong From, ulong Size, ulong To)> moves)
    {
        var allocations = 0;
        foreach (var move in moves)
        {
            allocations += move.Size > 0 ? 1 : 0;
        }
        _starts = new ulong[allocations];
        _allocations = new (ulong, ulong)[allocations];
        _ends = new ulong[moves.Count];
        _endTargets = new ulong[moves.Count];
        var next = 0;
        for (var i = 0; i < moves.Count; i++)
        {
            var (from, size, to) = moves[i];
            if (size > 0)
            {
                _starts[next] = from;
                _allocations[next++] = (size, to);
                _largest = Math.Max(_largest, size);
            }
            _ends[i] = from + size;
            _endTargets[i] = to + size;
        }
        Array.Sort(_starts, _allocations);
        // A stable sort by end keeps frame order among equal ends: the first is found by bisection below.
        var order = new int[moves.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var ends = _ends;
        Array.Sort(order, (a, b) => ends[a] != ends[b] ? ends[a].CompareTo(ends[b]) : a.CompareTo(b));
        var sortedEnds = new ulong[order.Length];
        var sortedTargets = new ulong[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            sortedEnds[i] = _ends[order[i]];
            sortedTargets[i] = _endTargets[order[i]];
        }
        _ends = sortedEnds;
        _endTargets = sortedTargets;
    }

    /// <summary>
    /// The new address of <paramref name="pointer"/>: inside a moved allocation it moves with it; one past an
    /// allocation's end (or at a frame's CFA) it moves with that end; null when it points into none of them.
    /// </summary>
    public ulong? Map(ulong pointer)
    {
        // Allocations may overlap (stack coloring gives allocations with disjoint lifetimes one slot): of those
        // starting at or below the pointer and no further than the largest size, the largest containing it wins.
        var index = UpperBound(_starts, pointer) - 1;
        var best = -1;
        for (; index >= 0 && pointer - _starts[index] < _largest; index--)
        {
            if (pointer - _starts[index] < _allocations[index].Size && (best < 0 || _allocations[index].Size > _allocations[best].Size))
            {
                best = index;
            }
        }
        if (best >= 0)
        {
            return _allocations[best].To + (pointer - _starts[best]);
        }
        var end = LowerBound(_ends, pointer);
        return end < _ends.Length && _ends[end] == pointer ? _endTargets[end] : null;
    }

    private static int UpperBound(ulong[] sorted, ulong value)
    {
        var (low, high) = (0, sorted.Length);
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (sorted[middle] <= value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    private static int LowerBound(ulong[] sorted, ulong value)
    {
        var (low, high) = (0, sorted.Length);
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (sorted[middle] < value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }
}
