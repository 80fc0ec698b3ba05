namespace Derecho.Sst;

/// <summary>
/// The Shared State Table of one view at one member: a row per member, indexed by rank. This member writes only
/// its own row and marks it dirty when a peer's predicates can make progress from the change; the host pushes the
/// newest version to everyone (older pushes are superseded, so the pushes coalesce). Changes no peer waits on (the
/// delivered counts) do not mark it dirty and ride along with the next push. Rows from peers are applied only when newer than the copy held and shaped for this
/// view's streams (<see cref="Streams"/>: per stream, the ranks of its members).
/// </summary>
internal sealed class SharedStateTable
{
    private readonly SstRow?[] _rows;

    public SharedStateTable(int myRank, SstRow own, int members, int[][] streams)
    {
        _rows = new SstRow?[members];
        _rows[myRank] = own;
        MyRank = myRank;
        Own = own;
        Streams = streams;
    }

    public int MyRank { get; }

    public int Count => _rows.Length;

    public SstRow Own { get; }

    /// <summary>Per stream, the view ranks of its members in stream order (stream 0 is every rank).</summary>
    public int[][] Streams { get; }

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
        if (rank == MyRank || row.Suspected.Length != _rows.Length || !Fits(rank, row))
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

    /// <summary>
    /// The minimum of the received counts for sender <paramref name="sender"/> of <paramref name="stream"/> over the
    /// stream's members' rows (0 for a missing row).
    /// </summary>
    public long MinReceived(int stream, int sender)
    {
        var min = long.MaxValue;
        foreach (var rank in Streams[stream])
        {
            min = Math.Min(min, _rows[rank] is { } row ? row.Received[stream][sender] : 0);
        }
        return min;
    }

    /// <summary>The minimum persisted count of <paramref name="stream"/> over its members' rows (0 for a missing row).</summary>
    public long MinPersisted(int stream)
    {
        var min = long.MaxValue;
        foreach (var rank in Streams[stream])
        {
            min = Math.Min(min, _rows[rank] is { } row ? row.Persisted[stream] : 0);
        }
        return min;
    }

    /// <summary>Whether <paramref name="trim"/> has a column per stream of this view, one entry per stream member.</summary>
    public bool TrimFits(long[][] trim)
    {
        if (trim.Length != Streams.Length)
        {
            return false;
        }
        for (var s = 0; s < Streams.Length; s++)
        {
            if (trim[s].Length != Streams[s].Length)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The row has a received column of the right width for each stream, empty where its owner is no member.</summary>
    private bool Fits(int rank, SstRow row)
    {
        if (row.Received.Length != Streams.Length || row.Delivered.Length != Streams.Length || row.Persisted.Length != Streams.Length)
        {
            return false;
        }
        if (row.AcceptedProposal is { } proposal && !TrimFits(proposal.Trim))
        {
            return false;
        }
        for (var s = 0; s < Streams.Length; s++)
        {
            var width = Array.IndexOf(Streams[s], rank) >= 0 ? Streams[s].Length : 0;
            if (row.Received[s].Length != width)
            {
                return false;
            }
        }
        return true;
    }
}
