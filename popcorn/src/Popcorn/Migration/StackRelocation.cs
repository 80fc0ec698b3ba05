namespace Popcorn.Migration;

/// <summary>
/// Where pointers into frames being rewritten go: every moved allocation (and every frame's CFA, a zero-sized move),
/// sorted by source address so that a pointer is placed by bisection instead of a walk over all of them.
/// </summary>
internal sealed class StackRelocation
{
    private readonly (ulong From, ulong Size, ulong To)[] _allocations;
    private readonly ulong[] _starts;
    private readonly Dictionary<ulong, ulong> _ends = [];

    /// <summary>The moves, in frame order (the first to end at an address wins for one-past-the-end pointers).</summary>
    public StackRelocation(List<(ulong From, ulong Size, ulong To)> moves)
    {
        _allocations = [.. moves.Where(m => m.Size > 0).OrderBy(m => m.From)];
        _starts = [.. _allocations.Select(m => m.From)];
        foreach (var (from, size, to) in moves)
        {
            _ends.TryAdd(from + size, to + size);
        }
    }

    /// <summary>
    /// The new address of <paramref name="pointer"/>: inside a moved allocation it moves with it; one past an
    /// allocation's end (or at a frame's CFA) it moves with that end; null when it points into none of them.
    /// </summary>
    public ulong? Map(ulong pointer)
    {
        var index = Array.BinarySearch(_starts, pointer);
        if (index < 0)
        {
            index = ~index - 1;
        }
        if (index >= 0 && pointer - _allocations[index].From < _allocations[index].Size)
        {
            return _allocations[index].To + (pointer - _allocations[index].From);
        }
        return _ends.TryGetValue(pointer, out var end) ? end : null;
    }
}
