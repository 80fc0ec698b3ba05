namespace Derecho.Sst;

/// <summary>
/// The Shared State Table of one view at one member: a row per member, indexed by rank. This member writes only
/// its own row and marks it dirty; the host pushes the newest version to everyone (older pushes are superseded, so
/// the pushes coalesce). Rows from peers are applied only when newer than the copy held.
/// </summary>
internal sealed class SharedStateTable
{
    private readonly SstRow?[] _rows;

    public SharedStateTable(int myRank, SstRow own, int members)
    {
        _rows = new SstRow?[members];
        _rows[myRank] = own;
        MyRank = myRank;
        Own = own;
    }

    public int MyRank { get; }

    public int Count => _rows.Length;

    public SstRow Own { get; }

    /// <summary>The predicates evaluated after each batch of updates.</summary>
    public PredicateSet Predicates { get; } = new();

    /// <summary>The own row changed since the last push.</summary>
    public bool IsDirty { get; private set; }

    /// <summary>The newest row received from <paramref name="rank"/>, or null before the first.</summary>
    public SstRow? this[int rank] => _rows[rank];

    public void MarkDirty() => IsDirty = true;

    /// <summary>Stamps the own row with the next version for a push; false when nothing changed.</summary>
    public bool TryTakePush()
    {
        if (!IsDirty)
        {
            return false;
        }
        IsDirty = false;
        Own.Version++;
        return true;
    }

    /// <summary>Keeps <paramref name="row"/> if it is newer than the copy held; true when it was applied.</summary>
    public bool Apply(int rank, SstRow row)
    {
        if (rank == MyRank || row.Received.Length != _rows.Length)
        {
            return false;
        }
        if (_rows[rank] is { } current && current.Version >= row.Version)
        {
            return false;
        }
        _rows[rank] = row;
        return true;
    }

    /// <summary>The minimum over all rows of the received count for <paramref name="senderRank"/> (0 for a missing row).</summary>
    public long MinReceived(int senderRank)
    {
        var min = long.MaxValue;
        foreach (var row in _rows)
        {
            min = Math.Min(min, row is null ? 0 : row.Received[senderRank]);
        }
        return min;
    }
}
