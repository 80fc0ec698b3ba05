using Derecho.Membership;

namespace Derecho.Sst;

/// <summary>
/// One member's row of the Shared State Table. Only its owner writes it; the owner pushes the whole row to every
/// member, and receivers keep the newest <see cref="Version"/>. Counters only grow within a view.
/// </summary>
/// <remarks>
/// The multicast columns are kept per stream: stream 0 is the whole view's order, stream k ≥ 1 the order of shard
/// k − 1 of the view's shard plan (each shard has its own multicast over the one table). A row holds received
/// counters only for the streams its owner belongs to (an empty column elsewhere).
/// Derecho's membership columns map as follows: a proposal accepted from the leader with ballot
/// <see cref="AcceptedBallot"/> is <c>num_acked</c> (the leader's own acceptance is <c>num_changes</c>), a
/// commit reaches members as a direct message (<c>num_committed</c>), and <see cref="ViewId"/> is
/// <c>num_installed</c>. The accepted proposal carries the ragged trim.
/// </remarks>
internal sealed class SstRow
{
    public SstRow(uint nodeId, ulong incarnation, int viewId, int members)
    {
        NodeId = nodeId;
        Incarnation = incarnation;
        ViewId = viewId;
        Received = [new long[members]];
        Delivered = new long[1];
        Persisted = new long[1];
        Suspected = new bool[members];
    }

    public uint NodeId { get; }

    public ulong Incarnation { get; }

    public int ViewId { get; set; }

    /// <summary>Increases with every push, across views.</summary>
    public long Version { get; set; }

    public long Heartbeat { get; set; }

    /// <summary>Per stream: messages delivered in this view (a position in the stream's total order).</summary>
    public long[] Delivered { get; private set; }

    /// <summary>Per stream: of the messages delivered in this view, how many the owner has persisted.</summary>
    public long[] Persisted { get; private set; }

    /// <summary>The owner stopped sending, receiving and delivering in this view.</summary>
    public bool Wedged { get; set; }

    /// <summary>The owner is leaving gracefully.</summary>
    public bool Leaving { get; set; }

    /// <summary>
    /// Per stream, per sender (its index among the stream's members): how many consecutive messages the owner
    /// received in this view; an empty column for a stream the owner is not in.
    /// </summary>
    public long[][] Received { get; private set; }

    /// <summary>Per rank: the owner suspects that member.</summary>
    public bool[] Suspected { get; private set; }

    /// <summary>The rank of the leader whose proposal the owner accepted, or -1.</summary>
    public int AcceptedBallot { get; set; } = -1;

    public ViewProposal? AcceptedProposal { get; set; }

    /// <summary>
    /// Starts a new view: counters and flags reset, the version keeps growing. <paramref name="widths"/> gives per
    /// stream the number of its members, or 0 when the owner is not one of them.
    /// </summary>
    public void Reset(int viewId, int members, int[] widths)
    {
        ViewId = viewId;
        Received = new long[widths.Length][];
        for (var s = 0; s < widths.Length; s++)
        {
            Received[s] = new long[widths[s]];
        }
        Delivered = new long[widths.Length];
        Persisted = new long[widths.Length];
        Suspected = new bool[members];
        Wedged = false;
        AcceptedBallot = -1;
        AcceptedProposal = null;
    }

    /// <summary>Replaces the columns after decoding.</summary>
    public void SetColumns(long[][] received, long[] delivered, long[] persisted, bool[] suspected)
    {
        Received = received;
        Delivered = delivered;
        Persisted = persisted;
        Suspected = suspected;
    }
}
