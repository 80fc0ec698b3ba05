using Serval.Binary;
using Serval.Symbolic;

namespace Serval.Memory;

/// <summary>
/// The cells of one global as its type lays them out (Serval's mblock): a scalar is one cell of its size, an array
/// its elements, a structure its fields, and padding one-byte cells. Computed once per global and shared by every
/// state's copy of the region.
/// </summary>
public sealed class RegionLayout
{
    private readonly ulong[] _offsets;
    private readonly int[] _sizes;

    /// <summary>The layout of <paramref name="type"/> for the global <paramref name="name"/> at <paramref name="start"/>.</summary>
    public RegionLayout(string name, ulong start, DataType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        Name = name;
        Start = start;
        Type = type;
        var offsets = new List<ulong>();
        var sizes = new List<int>();
        Flatten(type, 0, offsets, sizes);
        _offsets = [.. offsets];
        _sizes = [.. sizes];
    }

    /// <summary>The global's name.</summary>
    public string Name { get; }

    /// <summary>Its first address.</summary>
    public ulong Start { get; }

    /// <summary>Its type.</summary>
    public DataType Type { get; }

    /// <summary>Its size in bytes.</summary>
    public ulong Size => Type.Size;

    /// <summary>How many cells it has.</summary>
    public int CellCount => _offsets.Length;

    /// <summary>The byte offset of cell <paramref name="index"/>.</summary>
    public ulong OffsetOf(int index) => _offsets[index];

    /// <summary>The size in bytes of cell <paramref name="index"/>.</summary>
    public int SizeOf(int index) => _sizes[index];

    /// <summary>The cell holding byte <paramref name="offset"/>.</summary>
    public int CellAt(ulong offset)
    {
        var index = Array.BinarySearch(_offsets, offset);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>The C path of the cell at <paramref name="offset"/>: <c>dictionary[2]</c>, <c>table[1].next</c>.</summary>
    public string PathOf(ulong offset)
    {
        var path = Name;
        var type = Type;
        while (true)
        {
            switch (type)
            {
                case ArrayType array when array.Element.Size > 0:
                    path += $"[{offset / array.Element.Size}]";
                    offset %= array.Element.Size;
                    type = array.Element;
                    continue;
                case StructType structure when structure.Fields.LastOrDefault(f => f.Offset <= offset && offset < f.Offset + f.Type.Size) is { } field:
                    path += "." + field.Name;
                    offset -= field.Offset;
                    type = field.Type;
                    continue;
                default:
                    return offset == 0 || type is ScalarType { Size: > 8 } ? path : $"{path}+{offset}";
            }
        }
    }

    /// <summary>A type for a symbol without DWARF: 8-byte cells when the size allows, else bytes.</summary>
    public static DataType Untyped(ulong size) => size % 8 == 0
        ? new ArrayType(new ScalarType("uint64_t", 8), size / 8)
        : new ArrayType(new ScalarType("uint8_t", 1), size);

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type.Name}) [0x{Start:x}, 0x{Start + Size:x})";

    private static void Flatten(DataType type, ulong at, List<ulong> offsets, List<int> sizes)
    {
        switch (type)
        {
            case ScalarType scalar when scalar.Size is 1 or 2 or 4 or 8:
                offsets.Add(at);
                sizes.Add((int)scalar.Size);
                break;
            case ArrayType array:
                for (var i = 0UL; i < array.Count; i++)
                {
                    Flatten(array.Element, at + (i * array.Element.Size), offsets, sizes);
                }
                break;
            case StructType structure:
                var covered = 0UL;
                foreach (var field in structure.Fields.OrderBy(f => f.Offset))
                {
                    if (field.Offset < covered)
                    {
                        continue; // a union's later members overlap the first: its cells hold them all.
                    }
                    Bytes(at + covered, field.Offset - covered, offsets, sizes);
                    Flatten(field.Type, at + field.Offset, offsets, sizes);
                    covered = field.Offset + field.Type.Size;
                }
                Bytes(at + covered, structure.Size > covered ? structure.Size - covered : 0, offsets, sizes);
                break;
            default:
                Bytes(at, type.Size, offsets, sizes); // odd-sized scalars (long double, bit-field storage) as bytes.
                break;
        }
    }

    private static void Bytes(ulong at, ulong count, List<ulong> offsets, List<int> sizes)
    {
        for (var i = 0UL; i < count; i++)
        {
            offsets.Add(at + i);
            sizes.Add(1);
        }
    }
}

/// <summary>
/// One disjoint block of the structured memory model (Serval's mregion): a global laid out by its type, each cell a
/// bitvector of the cell's size. Cells are created on first use from an initializer (fresh symbolic constants named
/// by their C path, or a model's values), and copied only when a clone writes (copy on write).
/// </summary>
public sealed class MemoryRegion
{
    private readonly Func<RegionLayout, int, BitVec> _initial;
    private BitVec[] _cells;
    private bool _shared;

    /// <summary>A region laid out by <paramref name="layout"/> whose unwritten cells come from <paramref name="initial"/>.</summary>
    public MemoryRegion(RegionLayout layout, Func<RegionLayout, int, BitVec> initial)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(initial);
        Layout = layout;
        _initial = initial;
        _cells = new BitVec[layout.CellCount];
    }

    private MemoryRegion(MemoryRegion other)
    {
        Layout = other.Layout;
        _initial = other._initial;
        _cells = other._cells;
        _shared = other._shared = true;
    }

    /// <summary>The layout.</summary>
    public RegionLayout Layout { get; }

    /// <summary>The global's name.</summary>
    public string Name => Layout.Name;

    /// <summary>Its first address.</summary>
    public ulong Start => Layout.Start;

    /// <summary>Its size in bytes.</summary>
    public ulong Size => Layout.Size;

    /// <summary>A region whose cells are fresh symbolic constants named by their C path (with <paramref name="prefix"/>).</summary>
    public static MemoryRegion Symbolic(RegionLayout layout, string prefix = "") =>
        new(layout, (l, i) => BitVec.Var(prefix + l.PathOf(l.OffsetOf(i)), l.SizeOf(i) * 8));

    /// <summary>A region of 8-byte symbolic cells for an untyped block of <paramref name="size"/> bytes.</summary>
    public static MemoryRegion Symbolic(string name, ulong start, ulong size, string prefix = "") =>
        Symbolic(new RegionLayout(name, start, RegionLayout.Untyped(size)), prefix);

    /// <summary>A region whose every byte is zero.</summary>
    public static MemoryRegion Zeroed(RegionLayout layout) => new(layout, (l, i) => BitVec.Of(0, l.SizeOf(i) * 8));

    /// <summary>Cell <paramref name="index"/>.</summary>
    public BitVec Cell(int index)
    {
        var cell = _cells[index];
        if (cell.Width != 0)
        {
            return cell;
        }
        cell = _initial(Layout, index);
        if (!_shared)
        {
            _cells[index] = cell;
        }
        return cell;
    }

    /// <summary>Sets cell <paramref name="index"/>.</summary>
    public void SetCell(int index, BitVec value)
    {
        if (value.Width != Layout.SizeOf(index) * 8)
        {
            throw new ArgumentException($"Cell {Layout.PathOf(Layout.OffsetOf(index))} holds {Layout.SizeOf(index) * 8} bits, not {value.Width}.", nameof(value));
        }
        if (_shared)
        {
            _cells = (BitVec[])_cells.Clone();
            _shared = false;
        }
        _cells[index] = value;
    }

    /// <summary>Whether the concrete address lies inside.</summary>
    public bool Contains(ulong address) => address >= Start && address - Start < Size;

    /// <summary>A copy whose cells can change independently of this one's.</summary>
    public MemoryRegion Clone() => new(this);

    /// <summary>A copy whose cells (written or initial) are mapped through <paramref name="map"/>, e.g. a model's evaluation.</summary>
    public MemoryRegion Map(Func<BitVec, BitVec> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var cells = _cells;
        _shared = true;
        return new MemoryRegion(Layout, (l, i) => map(cells[i].Width != 0 ? cells[i] : _initial(l, i)));
    }

    /// <summary>A region equal to this one where <paramref name="condition"/> holds and to <paramref name="other"/> elsewhere.</summary>
    public MemoryRegion Merge(Bool condition, MemoryRegion other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Layout != Layout)
        {
            throw new MergeException($"Cannot merge region {Name} with {other.Name}.");
        }
        var merged = Clone();
        if (ReferenceEquals(_cells, other._cells))
        {
            return merged;
        }
        for (var i = 0; i < _cells.Length; i++)
        {
            if (_cells[i].Width == 0 && other._cells[i].Width == 0)
            {
                continue;
            }
            var (mine, theirs) = (Cell(i), other.Cell(i));
            if (!mine.Equals(theirs))
            {
                merged.SetCell(i, BitVec.Ite(condition, mine, theirs));
            }
        }
        return merged;
    }

    /// <inheritdoc />
    public override string ToString() => Layout.ToString();
}
