using Serval.Symbolic;

namespace Serval.Memory;

/// <summary>
/// One disjoint block of the structured memory model (Serval's mregion): a named global from the symbol table, held
/// as 8-byte cells so that an access at a symbolic offset becomes a choice among cells plus an in-bounds check.
/// </summary>
public sealed class MemoryRegion
{
    /// <summary>Creates a region of <paramref name="size"/> bytes at <paramref name="start"/> with the given cells.</summary>
    public MemoryRegion(string name, ulong start, ulong size, BitVec[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if ((ulong)cells.Length * 8 < size)
        {
            throw new ArgumentException($"Region {name} needs {(size + 7) / 8} cells, got {cells.Length}.", nameof(cells));
        }
        Name = name;
        Start = start;
        Size = size;
        Cells = cells;
    }

    /// <summary>The symbol the region comes from.</summary>
    public string Name { get; }

    /// <summary>Its first address.</summary>
    public ulong Start { get; }

    /// <summary>Its size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>The 64-bit little-endian cells, cell i holding bytes [8i, 8i+8).</summary>
    public BitVec[] Cells { get; }

    /// <summary>A region whose cells are fresh symbolic constants named <c>name[i]</c>.</summary>
    public static MemoryRegion Symbolic(string name, ulong start, ulong size, string prefix = "")
    {
        var cells = new BitVec[(size + 7) / 8];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = BitVec.Var(cells.Length == 1 ? prefix + name : $"{prefix}{name}[{i}]", 64);
        }
        return new MemoryRegion(name, start, size, cells);
    }

    /// <summary>Whether the concrete address lies inside.</summary>
    public bool Contains(ulong address) => address >= Start && address - Start < Size;

    /// <summary>A copy whose cells can change independently of this one's.</summary>
    public MemoryRegion Clone() => new(Name, Start, Size, (BitVec[])Cells.Clone());

    /// <inheritdoc />
    public override string ToString() => $"{Name} [0x{Start:x}, 0x{Start + Size:x})";
}
