using Derecho.Membership;
using Derecho.Multicast;

namespace Derecho.Protocol;

/// <summary>
/// Settings of one <see cref="Member"/>. Defaults suit shared cores: a heartbeat of tens of milliseconds and
/// suspicion only after many heartbeats are missed.
/// </summary>
public sealed record MemberOptions
{
    /// <summary>This member's node id (Derecho's <c>local_id</c>).</summary>
    public required uint NodeId { get; init; }

    /// <summary>Distinct for every start of the process, so that a restarted member rejoins as a new incarnation.</summary>
    public required ulong Incarnation { get; init; }

    /// <summary>How peers reach this member; opaque to the protocol, carried in views for the transport.</summary>
    public required string Endpoint { get; init; }

    /// <summary>How often the member pushes its row even when nothing changed (Derecho's <c>heartbeat_ms</c>).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Silence from a member after which it is suspected (Derecho's <c>sst_poll_cq_timeout_ms</c>).</summary>
    public TimeSpan SuspicionTimeout { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>How often a joining member repeats its join request until it is admitted.</summary>
    public TimeSpan JoinRetryInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a leader alone in its view holds back joiners that do not yet make an adequate view together
    /// (<see cref="IShardPlanner.IsAdequate"/>), waiting for more, before it admits them anyway. Derecho's leader
    /// waits for an adequate first view without bound; here a member that awaits its own admission before the next
    /// one starts is admitted after this wait.
    /// </summary>
    public TimeSpan FormationWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Messages a sender may have in flight beyond the slowest receiver (Derecho's <c>window_size</c>).</summary>
    public int WindowSize { get; init; } = 256;

    /// <summary>The largest payload sent whole in a ring slot; larger ones are relayed in chunks (<c>max_smc_payload_size</c>).</summary>
    public int MaxSmcPayloadSize { get; init; } = 10240;

    /// <summary>The largest payload <see cref="Member.Send(int, ReadOnlyMemory{byte})"/> accepts (<c>max_payload_size</c>).</summary>
    public int MaxPayloadSize { get; init; } = 1 << 20;

    /// <summary>The size of the chunks a large message is relayed in (<c>block_size</c>).</summary>
    public int BlockSize { get; init; } = 64 * 1024;

    /// <summary>How the blocks of large messages travel (<c>rdmc_send_algorithm</c>); every member must use the same.</summary>
    public BulkSchedule BulkSchedule { get; init; } = BulkSchedule.Binomial;

    /// <summary>
    /// Where received large messages are assembled: buffers the transport may read blocks straight into, pooled
    /// and lent to the application until it returns them (<see cref="LargeMessageBuffers.Return"/>) or not; or
    /// null (the default) for a fresh array per message that the application may keep.
    /// </summary>
    public LargeMessageBuffers? LargeMessageBuffers { get; init; }

    /// <summary>
    /// When true (the default), a member that can no longer see a majority of its current view wedges and stops
    /// (<see cref="StopReason.LostMajority"/>) rather than risk a split brain. False is Derecho's
    /// <c>disable_partitioning_safety = true</c>: the side that remains goes on alone.
    /// </summary>
    public bool PartitionSafety { get; init; } = true;

    /// <summary>
    /// The id of the first view when this member starts a group (0 by default). A total restart starts above the
    /// last view logged, so that versions <c>(view id &lt;&lt; 32) | order index</c> keep growing.
    /// </summary>
    public int FirstViewId { get; init; }

    /// <summary>Moves application state to joiners; none by default.</summary>
    public IStateTransfer? StateTransfer { get; init; }

    /// <summary>Lays each view out in shards, each with a totally ordered multicast of its own; none by default.</summary>
    public IShardPlanner? ShardPlanner { get; init; }

    /// <summary>What this member tells the leader when it asks to join, and what the leader admits; none by default.</summary>
    public IJoinAdmission? JoinAdmission { get; init; }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        Require(HeartbeatInterval > TimeSpan.Zero, nameof(HeartbeatInterval), "must be positive");
        Require(SuspicionTimeout > HeartbeatInterval, nameof(SuspicionTimeout), "must exceed the heartbeat interval");
        Require(JoinRetryInterval > TimeSpan.Zero, nameof(JoinRetryInterval), "must be positive");
        Require(FormationWait >= TimeSpan.Zero, nameof(FormationWait), "must not be negative");
        Require(WindowSize >= 1, nameof(WindowSize), "must be at least 1");
        Require(MaxSmcPayloadSize >= 0, nameof(MaxSmcPayloadSize), "must not be negative");
        Require(MaxPayloadSize >= MaxSmcPayloadSize, nameof(MaxPayloadSize), "must be at least MaxSmcPayloadSize");
        Require(BlockSize >= 1, nameof(BlockSize), "must be at least 1");
        Require(Enum.IsDefined(BulkSchedule), nameof(BulkSchedule), "is not a known schedule");
        Require(!string.IsNullOrEmpty(Endpoint), nameof(Endpoint), "must not be empty");
    }

    private static void Require(bool condition, string name, string what)
    {
        if (!condition)
        {
            throw new ArgumentException($"{name} {what}", name);
        }
    }
}

/// <summary>
/// Moves application state to a joiner: the leader that admits it captures the state once every message of the
/// previous view is delivered, and the joiner applies it before it delivers anything.
/// </summary>
public interface IStateTransfer
{
    /// <summary>The state after the last delivery of the ending view (called on the leader).</summary>
    byte[] Capture();

    /// <summary>Replaces the state with <paramref name="state"/> (called on the joiner before its first delivery).</summary>
    void Apply(ReadOnlySpan<byte> state);
}

/// <summary>
/// Information a joiner sends with its join requests, and the leader's say on admitting it (a total restart: the
/// joiner's last logged view, which the restart leader must learn before the joiner counts towards its quorum).
/// </summary>
public interface IJoinAdmission
{
    /// <summary>The bytes this member sends with each join request (empty: none).</summary>
    ReadOnlyMemory<byte> JoinInfo { get; }

    /// <summary>
    /// Called on the leader for each join request, with the joiner's information; false holds the joiner back for
    /// now (it asks again at its next retry, and is admitted once this returns true).
    /// </summary>
    bool Admit(ViewMember joiner, ReadOnlySpan<byte> info);

    /// <summary>
    /// True while this member's group runs nothing yet (a restart still waiting for its quorum): a member that
    /// started its group alone may then move into another group of its members that admits it.
    /// </summary>
    bool MayYield => false;
}

/// <summary>
/// Lays a view out in shards. Every shard gets a totally ordered multicast of its own among its members
/// (<see cref="Member.Send(int, ReadOnlyMemory{byte})"/>), with its own ragged trim at the next view change.
/// </summary>
public interface IShardPlanner
{
    /// <summary>
    /// Called once per installed view, in view order, before anything is delivered in it (at a joiner after
    /// <see cref="IStateTransfer.Apply"/>). Returns per shard the node ids of its members (members of
    /// <paramref name="view"/>, none twice in a shard; shards may overlap, a node may be in none); empty for no
    /// shards. Every member must compute the same plan for the same view: the result may depend only on the view
    /// and on state that travels with <see cref="IStateTransfer"/>.
    /// </summary>
    IReadOnlyList<IReadOnlyList<uint>> PlanShards(View view);

    /// <summary>
    /// Whether <paramref name="view"/> would be adequate (every shard gets its minimum; a total restart: a quorum of
    /// the last view is there). A leader alone in its view (a group forming, a restart gathering its quorum) holds
    /// joiners back until they make an adequate view together and then admits them all in one view, as Derecho's
    /// leader waits for an adequate first view (here for at most <see cref="MemberOptions.FormationWait"/>): a group
    /// formed from several members starting together does not pass through a view of two, where one member's silence
    /// stops the other. Must change no state; true (admit at once) by default.
    /// </summary>
    bool IsAdequate(View view) => true;
}
