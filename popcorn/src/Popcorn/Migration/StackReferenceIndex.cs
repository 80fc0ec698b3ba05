using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Popcorn.Emulation;

namespace Popcorn.Migration;

/// <summary>
/// Finds pointers into a thread's frames held outside them (another thread's registers, any shared memory), so that
/// <see cref="StackTransformer"/> can refuse a migration that would leave them dangling, without reading all of
/// memory each time. The index keeps, per shared page, the words whose values lie in some thread's stack region;
/// a query rescans only the pages written since the previous one (the address space tracks them), and everything
/// when a new stack region appears (a new thread).
/// </summary>
/// <remarks>Not thread-safe: queried on the host thread that runs the guest's threads, as the address space is used.</remarks>
public sealed class StackReferenceIndex
{
    private const int WordsPerPage = (int)(AddressSpace.PageSize / 8);
    private readonly AddressSpace _space;
    private readonly Dictionary<AddressSpace.Page, StackWord[]> _pages = [];
    private readonly List<AddressSpace.Page> _written = [];
    private readonly List<StackWord> _found = [];
    private (ulong Start, ulong End)[] _regions = [];
    private ulong _lowest;
    private ulong _span;

    /// <summary>An index over the shared pages of <paramref name="space"/>.</summary>
    public StackReferenceIndex(AddressSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        _space = space;
    }

    /// <summary>Pages rescanned so far (for benchmarks and tests: a quiet process rescans few).</summary>
    public long PagesScanned { get; private set; }

    /// <summary>
    /// Says who holds a pointer into [<paramref name="low"/>, <paramref name="high"/>) of <paramref name="self"/>'s
    /// stack, or null when nobody does: another live thread's register, or a word of shared memory outside the
    /// thread's own stack from <paramref name="ownStart"/> up to <paramref name="high"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string? FindForeignPointer(GuestThread self, IReadOnlyList<GuestThread> threads, ulong ownStart, ulong low, ulong high)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(threads);
        foreach (var other in threads)
        {
            if (other == self || other.Status == ThreadStatus.Exited)
            {
                continue;
            }
            foreach (var value in StackTransformer.ReadRegisters(other.State))
            {
                if (value >= low && value < high)
                {
                    return $"thread {other.Id} holds 0x{value:x}, a pointer into the frames being rewritten, in a register";
                }
            }
        }
        Refresh(threads);
        foreach (var (page, words) in _pages)
        {
            if (page.Address + AddressSpace.PageSize > ownStart && page.Address < high)
            {
                continue;
            }
            foreach (var word in words)
            {
                if (word.Value >= low && word.Value < high)
                {
                    return $"memory at 0x{page.Address + word.Offset:x} holds 0x{word.Value:x}, a pointer into the frames being rewritten";
                }
            }
        }
        return null;
    }

    /// <summary>Brings the index up to date: every page when the stack regions changed, else the pages written since.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Refresh(IReadOnlyList<GuestThread> threads)
    {
        _written.Clear();
        _space.TakeWrittenPages(_written);
        var regions = StackRegions(threads);
        if (!Covers(regions))
        {
            _regions = regions;
            _lowest = regions.Length == 0 ? 0 : regions.Min(r => r.Start);
            _span = regions.Length == 0 ? 0 : regions.Max(r => r.End) - _lowest;
            _pages.Clear();
            foreach (var page in _space.ResidentSharedPages())
            {
                Scan(page);
            }
            return;
        }
        foreach (var page in _written)
        {
            if (page.Shared)
            {
                Scan(page);
            }
        }
        if (_written.Count > 0)
        {
            foreach (var page in _pages.Keys.Where(p => p.Released).ToList())
            {
                _pages.Remove(page);
            }
        }
    }

    private bool Covers((ulong Start, ulong End)[] regions) =>
        regions.All(r => Array.Exists(_regions, known => known.Start <= r.Start && r.End <= known.End));

    /// <summary>The mapped shared region holding each live thread's stack pointer.</summary>
    private (ulong Start, ulong End)[] StackRegions(IReadOnlyList<GuestThread> threads)
    {
        var regions = new List<(ulong, ulong)>();
        foreach (var thread in threads)
        {
            if (thread.Status == ThreadStatus.Exited)
            {
                continue;
            }
            var sp = thread.State.StackPointer;
            foreach (var region in _space.Regions)
            {
                if (region.Owner is null && region.Start <= sp && sp < region.End && !regions.Contains((region.Start, region.End)))
                {
                    regions.Add((region.Start, region.End));
                }
            }
        }
        return [.. regions];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Scan(AddressSpace.Page page)
    {
        PagesScanned++;
        _found.Clear();
        if (page.Released)
        {
            _pages.Remove(page);
            return;
        }
        var words = new ReadOnlySpan<ulong>((void*)page.Host, WordsPerPage);
        var lowest = new Vector<ulong>(_lowest);
        var span = new Vector<ulong>(_span);
        var vectors = MemoryMarshal.Cast<ulong, Vector<ulong>>(words);
        for (var v = 0; v < vectors.Length; v++)
        {
            if (Vector.LessThanAny(vectors[v] - lowest, span))
            {
                for (var w = v * Vector<ulong>.Count; w < (v + 1) * Vector<ulong>.Count; w++)
                {
                    var value = words[w];
                    if (value - _lowest < _span && InStackRegion(value))
                    {
                        _found.Add(new StackWord((uint)(w * 8), value));
                    }
                }
            }
        }
        if (_found.Count == 0)
        {
            _pages.Remove(page);
        }
        else
        {
            _pages[page] = [.. _found];
        }
    }

    private bool InStackRegion(ulong value)
    {
        foreach (var (start, end) in _regions)
        {
            if (start <= value && value < end)
            {
                return true;
            }
        }
        return false;
    }

    private readonly record struct StackWord(uint Offset, ulong Value);
}
