using Serval.Symbolic;

namespace Serval.Memory;

/// <summary>An undefined-behaviour finding of a memory access: the condition under which it happens and why.</summary>
/// <param name="Condition">When the access is bad (already conjoined with the path's guard by the caller).</param>
/// <param name="Message">What is wrong, naming the region and offset.</param>
public readonly record struct MemoryFault(Bool Condition, string Message);

/// <summary>
/// Serval's structured memory model: disjoint regions, one per global, laid out by the global's DWARF type. An
/// address resolves to a region by its concrete base (a constant, or the constant part of base + offset); a
/// concrete offset reaches its cells directly, a symbolic one becomes a choice among the aligned positions, and the
/// in-bounds and alignment conditions are recorded as bugs to refute. Read-only bytes of the image (code,
/// constants) are served from the image itself.
/// </summary>
public sealed class StructuredMemory : IMemory
{
    /// <summary>The most positions a symbolic offset may range over before the access is reported instead.</summary>
    public const int MaxSymbolicPositions = 1024;

    private readonly MemoryRegion[] _regions;
    private readonly Func<ulong, int, ulong?> _readOnly;

    /// <summary>Creates a memory over <paramref name="regions"/>, with <paramref name="readOnly"/> for image bytes.</summary>
    public StructuredMemory(IEnumerable<MemoryRegion> regions, Func<ulong, int, ulong?> readOnly)
    {
        _regions = [.. regions];
        _readOnly = readOnly;
    }

    /// <summary>The regions.</summary>
    public IReadOnlyList<MemoryRegion> Regions => _regions;

    /// <summary>The region named <paramref name="name"/>.</summary>
    public MemoryRegion Region(string name) => _regions.First(r => r.Name == name);

    /// <inheritdoc />
    public IMemory Clone() => new StructuredMemory(_regions.Select(r => r.Clone()), _readOnly);

    /// <inheritdoc />
    public IMemory Concretize(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new StructuredMemory(_regions.Select(r => r.Map(model.Evaluate)), _readOnly);
    }

    /// <inheritdoc />
    public IMemory Merge(Bool condition, IMemory other)
    {
        if (other is not StructuredMemory structured || structured._regions.Length != _regions.Length)
        {
            throw new MergeException("Cannot merge memories with different regions.");
        }
        return new StructuredMemory(_regions.Select((r, i) => r.Merge(condition, structured._regions[i])), _readOnly);
    }

    /// <inheritdoc />
    public IReadOnlyList<ulong>? Positions(BitVec address, int size)
    {
        if (ConcreteBase(address) is not { } b || FindRegion(b) is not { } region)
        {
            return null;
        }
        var positions = Positions(region, size, [], address);
        return positions.Any() ? [.. positions.Select(p => region.Start + p)] : null;
    }

    /// <inheritdoc />
    public BitVec Load(BitVec address, int size, List<MemoryFault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        if (Choice(address) is var (condition, then, @else))
        {
            // A pointer merged from several paths: each side is its own access, its faults under its condition.
            var (thenFaults, elseFaults) = (new List<MemoryFault>(), new List<MemoryFault>());
            var chosen = BitVec.Ite(condition, Load(then, size, thenFaults), Load(@else, size, elseFaults));
            faults.AddRange(thenFaults.Select(f => f with { Condition = condition & f.Condition }));
            faults.AddRange(elseFaults.Select(f => f with { Condition = !condition & f.Condition }));
            return chosen;
        }
        if (address.TryGetValue(out var concrete) && FindRegion(concrete) is null)
        {
            if (_readOnly(concrete, size) is { } constant)
            {
                return BitVec.Of(constant, 64);
            }
            faults.Add(new MemoryFault(Bool.True, $"load of {size} bytes at 0x{concrete:x} outside every memory region"));
            return BitVec.Of(0, 64);
        }
        if (!Resolve(address, size, faults, out var region, out var offset))
        {
            return BitVec.Of(0, 64);
        }
        if (offset.TryGetValue(out var known))
        {
            return known + (ulong)size <= region.Size ? Compose(region, known, size).ZeroExtendTo(64) : BitVec.Of(0, 64);
        }
        var positions = Positions(region, size, faults, offset);
        var value = BitVec.Of(0, size * 8);
        foreach (var position in positions.Reverse())
        {
            value = BitVec.Ite(offset == position, Compose(region, position, size), value);
        }
        return value.ZeroExtendTo(64);
    }

    /// <inheritdoc />
    public void Store(BitVec address, int size, BitVec value, Bool guard, List<MemoryFault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        if (Choice(address) is var (condition, then, @else))
        {
            var (thenFaults, elseFaults) = (new List<MemoryFault>(), new List<MemoryFault>());
            Store(then, size, value, guard & condition, thenFaults);
            Store(@else, size, value, guard & !condition, elseFaults);
            faults.AddRange(thenFaults.Select(f => f with { Condition = condition & f.Condition }));
            faults.AddRange(elseFaults.Select(f => f with { Condition = !condition & f.Condition }));
            return;
        }
        if (address.TryGetValue(out var concrete) && FindRegion(concrete) is null && _readOnly(concrete, size) is not null)
        {
            faults.Add(new MemoryFault(Bool.True, $"store of {size} bytes at 0x{concrete:x}, into the image's read-only bytes"));
            return;
        }
        if (!Resolve(address, size, faults, out var region, out var offset))
        {
            return;
        }
        if (offset.TryGetValue(out var known))
        {
            if (known + (ulong)size <= region.Size)
            {
                Splice(region, known, size, value, guard);
            }
            return;
        }
        foreach (var position in Positions(region, size, faults, offset))
        {
            Splice(region, position, size, value, guard & (offset == position));
        }
    }

    /// <summary>The region holding the concrete address, if any.</summary>
    public MemoryRegion? FindRegion(ulong address) => Array.Find(_regions, r => r.Contains(address));

    private bool Resolve(BitVec address, int size, List<MemoryFault> faults, out MemoryRegion region, out BitVec offset)
    {
        var baseAddress = ConcreteBase(address);
        var found = baseAddress is { } b ? FindRegion(b) : null;
        if (found is null)
        {
            faults.Add(new MemoryFault(Bool.True, baseAddress is { } a
                ? $"access of {size} bytes at 0x{a:x}, outside every memory region"
                : $"access of {size} bytes through a pointer with no known base ({address})"));
            region = null!;
            offset = default;
            return false;
        }
        region = found;
        offset = address - BitVec.Of(found.Start, 64);
        // In bounds: offset <= size - access; strictly aligned to the access size (-mstrict-align).
        var outOfBounds = found.Size < (ulong)size ? Bool.True : !offset.Ule(BitVec.Of(found.Size - (ulong)size, 64));
        var misaligned = (offset & BitVec.Of((ulong)size - 1, 64)) != 0UL;
        faults.Add(new MemoryFault(outOfBounds,
            $"offset {offset} of {size}-byte access not in bounds of {found.Name} ({found.Layout.Type.Name}, size {found.Size})"));
        faults.Add(new MemoryFault(misaligned, $"misaligned {size}-byte access at offset {offset} of {found.Name}"));
        return true;
    }

    // The aligned positions a symbolic offset may take (the others are out-of-bounds or misalignment bugs).
    private static IEnumerable<ulong> Positions(MemoryRegion region, int size, List<MemoryFault> faults, BitVec offset)
    {
        var count = region.Size < (ulong)size ? 0 : ((region.Size - (ulong)size) / (ulong)size) + 1;
        if (count > MaxSymbolicPositions)
        {
            faults.Add(new MemoryFault(Bool.True,
                $"symbolic offset {offset} into {region.Name} ranges over {count} positions (more than {MaxSymbolicPositions})"));
            return [];
        }
        return Enumerable.Range(0, (int)count).Select(i => (ulong)i * (ulong)size);
    }

    // The bytes [offset, offset + size) from the cells covering them, little-endian.
    private static BitVec Compose(MemoryRegion region, ulong offset, int size)
    {
        var layout = region.Layout;
        var end = offset + (ulong)size;
        BitVec? value = null;
        for (var index = layout.CellAt(end - 1); index >= 0 && layout.OffsetOf(index) + (ulong)layout.SizeOf(index) > offset; index--)
        {
            var cellStart = layout.OffsetOf(index);
            var from = Math.Max(offset, cellStart);
            var to = Math.Min(end, cellStart + (ulong)layout.SizeOf(index));
            var piece = region.Cell(index).Extract((int)(to - cellStart) * 8 - 1, (int)(from - cellStart) * 8);
            value = value is { } high ? high.Concat(piece) : piece;
        }
        return value!.Value;
    }

    // Writes the low bytes of value over [offset, offset + size) when guard holds.
    private static void Splice(MemoryRegion region, ulong offset, int size, BitVec value, Bool guard)
    {
        var layout = region.Layout;
        var end = offset + (ulong)size;
        for (var index = layout.CellAt(offset); index < layout.CellCount && layout.OffsetOf(index) < end; index++)
        {
            var cellStart = layout.OffsetOf(index);
            var cellEnd = cellStart + (ulong)layout.SizeOf(index);
            var from = Math.Max(offset, cellStart);
            var to = Math.Min(end, cellEnd);
            var old = region.Cell(index);
            var updated = value.Extract((int)(to - offset) * 8 - 1, (int)(from - offset) * 8);
            if (to < cellEnd)
            {
                updated = old.Extract(old.Width - 1, (int)(to - cellStart) * 8).Concat(updated);
            }
            if (from > cellStart)
            {
                updated = updated.Concat(old.Extract((int)(from - cellStart) * 8 - 1, 0));
            }
            region.SetCell(index, BitVec.Ite(guard, updated, old));
        }
    }

    // An address that is an if-then-else (possibly plus a constant), as merged paths leave pointers: its two sides.
    private static (Bool Condition, BitVec Then, BitVec Else)? Choice(BitVec address)
    {
        if (address.IsConcrete)
        {
            return null;
        }
        var term = address.ToTerm();
        if (term.Op == Op.Ite)
        {
            return (Bool.FromTerm(term[0]), BitVec.FromTerm(term[1]), BitVec.FromTerm(term[2]));
        }
        if (term.Op == Op.BvAdd && term.Arity == 2 && term[0].IsConst && term[1].Op == Op.Ite)
        {
            var (constant, choice) = (BitVec.FromTerm(term[0]), term[1]);
            return (Bool.FromTerm(choice[0]), constant + BitVec.FromTerm(choice[1]), constant + BitVec.FromTerm(choice[2]));
        }
        return null;
    }

    // The constant part of an address: the address itself, or the constant operand of a top-level addition.
    private static ulong? ConcreteBase(BitVec address)
    {
        if (address.TryGetValue(out var value))
        {
            return value;
        }
        var term = address.ToTerm();
        if (term.Op == Op.BvAdd)
        {
            foreach (var arg in term.Args)
            {
                if (arg.IsConst)
                {
                    return (ulong)arg.Value;
                }
            }
        }
        return null;
    }
}
