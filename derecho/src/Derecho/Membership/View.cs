namespace Derecho.Membership;

/// <summary>One member of a view: its node id, the incarnation (distinct for every start of the process) and how
/// peers reach it (an opaque endpoint string the transport understands, e.g. "127.0.0.1:23580").</summary>
/// <param name="NodeId">The member's node id.</param>
/// <param name="Incarnation">Distinguishes a restarted member from its earlier self.</param>
/// <param name="Endpoint">Where peers connect to this member.</param>
public readonly record struct ViewMember(uint NodeId, ulong Incarnation, string Endpoint);

/// <summary>
/// An installed membership epoch. Every member installs the same sequence of views; each message is delivered in
/// exactly one view. A member's rank is its index in <see cref="Members"/>; survivors keep their relative order
/// and joiners come last, so the leader (the lowest-ranked live member) is rank 0 when the view is installed.
/// </summary>
public sealed class View
{
    /// <summary>Creates a view.</summary>
    public View(int id, IReadOnlyList<ViewMember> members, IReadOnlyList<uint> joined, IReadOnlyList<uint> departed)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
        {
            throw new ArgumentException("a view has at least one member", nameof(members));
        }
        Id = id;
        Members = members;
        Joined = joined;
        Departed = departed;
    }

    /// <summary>The view id (vid), increasing by one at every installation.</summary>
    public int Id { get; }

    /// <summary>The members in rank order.</summary>
    public IReadOnlyList<ViewMember> Members { get; }

    /// <summary>Node ids that joined in this view.</summary>
    public IReadOnlyList<uint> Joined { get; }

    /// <summary>Node ids of the previous view that are not in this one (failed, removed or left).</summary>
    public IReadOnlyList<uint> Departed { get; }

    /// <summary>The node id of rank 0, the leader when the view was installed.</summary>
    public uint Leader => Members[0].NodeId;

    /// <summary>The number of members.</summary>
    public int Count => Members.Count;

    /// <summary>The smallest number of members that is a majority of this view.</summary>
    public int Majority => (Members.Count / 2) + 1;

    /// <summary>The rank of <paramref name="nodeId"/>, or -1 when it is not a member.</summary>
    public int RankOf(uint nodeId)
    {
        for (var i = 0; i < Members.Count; i++)
        {
            if (Members[i].NodeId == nodeId)
            {
                return i;
            }
        }
        return -1;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"view {Id} members {string.Join(',', Members.Select(m => m.NodeId))} leader {Leader}";
}
