namespace Serval.Symbolic;

/// <summary>The sort (type) of a term: boolean or a bitvector of a fixed width. Sorts are interned: compare by reference.</summary>
public sealed class Sort
{
    private static readonly Sort[] SmallBitVecs = CreateSmall();
    private static readonly Dictionary<int, Sort> LargeBitVecs = [];
    private static readonly Lock LargeLock = new();

    private Sort(int width) => Width = width;

    /// <summary>The boolean sort.</summary>
    public static Sort Bool { get; } = new(0);

    /// <summary>The bitvector width, or 0 for <see cref="Bool"/>.</summary>
    public int Width { get; }

    /// <summary>Whether this is the boolean sort.</summary>
    public bool IsBool => Width == 0;

    /// <summary>Whether this is a bitvector sort.</summary>
    public bool IsBitVec => Width > 0;

    /// <summary>The bitvector sort of <paramref name="width"/> bits (1 or more).</summary>
    public static Sort BitVec(int width)
    {
        if (width <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "A bitvector has at least one bit.");
        }
        if (width < SmallBitVecs.Length)
        {
            return SmallBitVecs[width];
        }
        lock (LargeLock)
        {
            if (!LargeBitVecs.TryGetValue(width, out var sort))
            {
                sort = new Sort(width);
                LargeBitVecs.Add(width, sort);
            }
            return sort;
        }
    }

    /// <summary>The sort in SMT-LIB2 syntax: <c>Bool</c> or <c>(_ BitVec n)</c>.</summary>
    public override string ToString() => IsBool ? "Bool" : $"(_ BitVec {Width})";

    private static Sort[] CreateSmall()
    {
        var sorts = new Sort[257];
        for (var i = 1; i < sorts.Length; i++)
        {
            sorts[i] = new Sort(i);
        }
        return sorts;
    }
}
