using Derecho.Membership;

namespace Derecho.Sst;

/// <summary>
/// One member's row of the Shared State Table. Only its owner writes it; the owner pushes the whole row to every
/// member, and receivers keep the newest <see cref="Version"/>. Counters only grow within a view.
/// </summary>
/// <remarks>
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
        Received = new long[members];
        Suspected = new bool[members];
    }

    public uint NodeId { get; }

    public ulong Incarnation { get; }

    public int ViewId { get; set; }

    /// <summary>Increases with every push, across views.</summary>
    public long Version { get; set; }

    public long Heartbeat { get; set; }

    /// <summary>Messages delivered in this view (a position in the total order).</summary>
    public long Delivered { get; set; }

    /// <summary>Messages persisted in this view (for persistent subgroups; equals nothing yet).</summary>
    public long Persisted { get; set; }

    /// <summary>The owner stopped sending, receiving and delivering in this view.</summary>
    public bool Wedged { get; set; }

    /// <summary>The owner is leaving gracefully.</summary>
    public bool Leaving { get; set; }

    /// <summary>Per sender rank: how many consecutive messages the owner received in this view.</summary>
    public long[] Received { get; private set; }

    /// <summary>Per rank: the owner suspects that member.</summary>
    public bool[] Suspected { get; private set; }

    /// <summary>The rank of the leader whose proposal the owner accepted, or -1.</summary>
    public int AcceptedBallot { get; set; } = -1;

    public ViewProposal? AcceptedProposal { get; set; }

    /// <summary>Starts a new view: counters and flags reset, the version keeps growing.</summary>
    public void Reset(int viewId, int members)
    {
        ViewId = viewId;
        Received = new long[members];
        Suspected = new bool[members];
        Delivered = 0;
        Persisted = 0;
        Wedged = false;
        AcceptedBallot = -1;
        AcceptedProposal = null;
    }

    /// <summary>Replaces the columns after decoding.</summary>
    public void SetColumns(long[] received, bool[] suspected)
    {
        Received = received;
        Suspected = suspected;
    }
}
