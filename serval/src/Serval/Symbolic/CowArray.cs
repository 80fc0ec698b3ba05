namespace Serval.Symbolic;

/// <summary>
/// A fixed-length array (a register file, a CSR bank) with copy-on-write forks: <see cref="Fork"/> is O(1) and the
/// first write after it copies the items once. Merging compares items by representation and builds an ite only
/// where the two sides differ.
/// </summary>
/// <typeparam name="T">The item type (<see cref="BitVec"/>, <see cref="Bool"/>, or any mergeable type).</typeparam>
public sealed class CowArray<T> : ISymbolicState<CowArray<T>>
{
    private T[] _items;
    private bool _shared;

    /// <summary>An array of <paramref name="length"/> copies of <paramref name="initial"/>.</summary>
    public CowArray(int length, T initial)
    {
        _items = new T[length];
        Array.Fill(_items, initial);
    }

    /// <summary>An array holding a copy of <paramref name="items"/>.</summary>
    public CowArray(IEnumerable<T> items) => _items = [.. items];

    private CowArray(T[] items)
    {
        _items = items;
        _shared = true;
    }

    /// <summary>The number of items.</summary>
    public int Length => _items.Length;

    /// <summary>The item at <paramref name="index"/>; setting it copies the items first if a fork shares them.</summary>
    public T this[int index]
    {
        get => _items[index];
        set
        {
            if (_shared)
            {
                _items = (T[])_items.Clone();
                _shared = false;
            }
            _items[index] = value;
        }
    }

    /// <inheritdoc />
    public CowArray<T> Fork()
    {
        _shared = true;
        return new CowArray<T>(_items);
    }

    /// <inheritdoc />
    public void Assign(CowArray<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source._shared = true;
        _items = source._items;
        _shared = true;
    }

    /// <inheritdoc />
    public CowArray<T> Merge(Bool condition, CowArray<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(_items, other._items) || condition.IsTrue)
        {
            return Fork();
        }
        if (condition.IsFalse)
        {
            return other.Fork();
        }
        if (other.Length != Length)
        {
            throw new MergeException($"Cannot merge arrays of lengths {Length} and {other.Length}.");
        }
        var merged = new T[Length];
        for (var i = 0; i < merged.Length; i++)
        {
            merged[i] = EqualityComparer<T>.Default.Equals(_items[i], other._items[i]) ? _items[i] : Sym.Merge(condition, _items[i], other._items[i]);
        }
        return new CowArray<T>(merged) { _shared = false };
    }
}
