using Serval.Symbolic;

namespace Serval.Memory;

/// <summary>An undefined-behaviour finding of a memory access: the condition under which it happens and why.</summary>
/// <param name="Condition">When the access is bad (already conjoined with the path's guard by the caller).</param>
/// <param name="Message">What is wrong, naming the region and offset.</param>
public readonly record struct MemoryFault(Bool Condition, string Message);

/// <summary>
/// Serval's structured memory model: disjoint regions from the symbol table; an address resolves to a region by its
/// concrete base (a constant, or the constant part of base + offset), and the offset to cells with an in-bounds
/// check. Read-only bytes of the image (code, constants) are served from the image itself.
/// </summary>
public sealed class StructuredMemory
{
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

    /// <summary>A copy sharing nothing mutable with this one.</summary>
    public StructuredMemory Clone() => new(_regions.Select(r => r.Clone()), _readOnly);

    /// <summary>Loads <paramref name="size"/> bytes (1, 2, 4, 8) at <paramref name="address"/>, zero-extended to 64 bits.</summary>
    public BitVec Load(BitVec address, int size, List<MemoryFault> faults)
    {
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
        var cell = Select(region, offset >>> 3);
        if (offset.TryGetValue(out var known))
        {
            var low = (int)(known & 7) * 8;
            return low + (size * 8) > 64 ? BitVec.Of(0, 64) : cell.Extract(low + (size * 8) - 1, low).ZeroExtendTo(64);
        }
        // A symbolic offset: full cells need no shift (misalignment is reported as its own bug).
        var value = size == 8 ? cell : cell >>> ((offset & 7UL) << 3);
        return size == 8 ? value : value & BitVec.Of(Mask(size), 64);
    }

    /// <summary>Stores the low <paramref name="size"/> bytes of <paramref name="value"/> at <paramref name="address"/>.</summary>
    public void Store(BitVec address, int size, BitVec value, Bool guard, List<MemoryFault> faults)
    {
        if (!Resolve(address, size, faults, out var region, out var offset))
        {
            return;
        }
        if (offset.TryGetValue(out var known))
        {
            var index = known >> 3;
            var low = (int)(known & 7) * 8;
            var high = low + (size * 8);
            if (index >= (ulong)region.Cells.Length || high > 64)
            {
                return;
            }
            var old = region.Cells[index];
            var spliced = value.Extract(size * 8 - 1, 0);
            if (high < 64)
            {
                spliced = old.Extract(63, high).Concat(spliced);
            }
            if (low > 0)
            {
                spliced = spliced.Concat(old.Extract(low - 1, 0));
            }
            region.Cells[index] = BitVec.Ite(guard, spliced, old);
            return;
        }
        var cellIndex = offset >>> 3;
        var shift = size == 8 ? BitVec.Of(0, 64) : (offset & 7UL) << 3;
        var mask = BitVec.Of(Mask(size), 64) << shift;
        var bits = (value & BitVec.Of(Mask(size), 64)) << shift;
        for (var i = 0; i < region.Cells.Length; i++)
        {
            var old = region.Cells[i];
            region.Cells[i] = BitVec.Ite(guard & (cellIndex == (ulong)i), (old & ~mask) | bits, old);
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
        // In bounds: offset <= size - access, and the access stays inside one 8-byte cell (strict alignment).
        var outOfBounds = !offset.Ule(BitVec.Of(found.Size - (ulong)size, 64));
        var misaligned = (offset & BitVec.Of((ulong)size - 1, 64)) != 0UL;
        faults.Add(new MemoryFault(outOfBounds,
            $"offset {offset} of {size}-byte access not in bounds of {found.Name} (size {found.Size})"));
        faults.Add(new MemoryFault(misaligned, $"misaligned {size}-byte access at offset {offset} of {found.Name}"));
        return true;
    }

    private static BitVec Select(MemoryRegion region, BitVec index)
    {
        if (index.TryGetValue(out var i))
        {
            return i < (ulong)region.Cells.Length ? region.Cells[i] : BitVec.Of(0, 64);
        }
        var value = region.Cells[^1];
        for (var k = region.Cells.Length - 2; k >= 0; k--)
        {
            value = BitVec.Ite(index == (ulong)k, region.Cells[k], value);
        }
        return value;
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

    private static ulong Mask(int size) => size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
}
