using Derecho.Membership;

namespace Derecho.Protocol;

/// <summary>What a <see cref="Member"/> asks its host to do or tells it happened, in order.</summary>
public abstract record MemberOutput;

/// <summary>
/// Send <paramref name="Body"/> to a peer, in order with every earlier body of the same lane to the same peer (one
/// reliable FIFO channel per peer and lane, like a TCP connection). The same body instance may go to several peers:
/// do not mutate it.
/// </summary>
/// <param name="To">The peer's node id, or null when only its endpoint is known (a join request to the contact).</param>
/// <param name="Endpoint">Where the peer listens.</param>
/// <param name="Body">The encoded message body; the transport adds its own framing.</param>
public sealed record SendToPeer(uint? To, string Endpoint, ReadOnlyMemory<byte> Body) : MemberOutput
{
    /// <summary>
    /// A block of a large message. Bulk bodies keep their order among themselves, but the host may let the other
    /// (control) bodies overtake them, so that rows and heartbeats never wait behind megabytes of data.
    /// </summary>
    public bool Bulk { get; init; }

    /// <summary>
    /// More bytes of the same body, right after <see cref="Body"/> (empty for most bodies): a block of a large message
    /// goes out from where it lies, behind its header, instead of being copied into one buffer with it.
    /// </summary>
    public ReadOnlyMemory<byte> Tail { get; init; }

    /// <summary>The whole body in one piece (<see cref="Body"/> then <see cref="Tail"/>; a copy only when there is a tail).</summary>
    public ReadOnlyMemory<byte> WholeBody() => Tail.IsEmpty ? Body : (byte[])[.. Body.Span, .. Tail.Span];
}

/// <summary>A message delivered in the group's total order, or in one shard's.</summary>
/// <param name="Sender">The sending member's node id.</param>
/// <param name="ViewId">The view it was delivered in.</param>
/// <param name="SenderIndex">Its index among the sender's messages in that view (0, 1, … without gaps for this sender's application messages and null messages together).</param>
/// <param name="OrderIndex">Its position in the view's total order (round-robin over ranks).</param>
/// <param name="Payload">The application payload.</param>
public sealed record Delivery(uint Sender, int ViewId, long SenderIndex, long OrderIndex, ReadOnlyMemory<byte> Payload) : MemberOutput
{
    /// <summary>
    /// The shard of the view's plan whose total order it belongs to (<see cref="OrderIndex"/> and
    /// <see cref="SenderIndex"/> count within that shard's order), or <see cref="Member.WholeGroup"/>.
    /// </summary>
    public int Shard { get; init; } = Member.WholeGroup;
}

/// <summary>
/// The global persistence frontier of a shard grew: every member of <paramref name="Shard"/> (or of the whole
/// view, for <see cref="Member.WholeGroup"/>) reported, with <see cref="Member.ReportPersisted"/>, that it
/// persisted the shard's first <paramref name="Frontier"/> deliveries of view <paramref name="ViewId"/>.
/// </summary>
/// <param name="Shard">The shard of the view's plan, or <see cref="Member.WholeGroup"/>.</param>
/// <param name="ViewId">The view the deliveries belong to.</param>
/// <param name="Frontier">How many of the shard's deliveries in that view (its order indexes 0 … Frontier − 1, null messages included) are persisted at every member of the shard.</param>
public sealed record PersistenceAdvanced(int Shard, int ViewId, long Frontier) : MemberOutput;

/// <summary>A view was installed; deliveries that follow belong to it.</summary>
/// <param name="View">The new view.</param>
public sealed record ViewInstalled(View View) : MemberOutput;

/// <summary>A message this member sent was delivered (here and, by the protocol, at every survivor).</summary>
/// <param name="MessageId">The id <see cref="Member.Send(int, ReadOnlyMemory{byte})"/> returned.</param>
/// <param name="ViewId">The view it was delivered in.</param>
public sealed record SendCompleted(long MessageId, int ViewId) : MemberOutput;

/// <summary>A message this member sent will never be delivered: the member left or stopped first.</summary>
/// <param name="MessageId">The id <see cref="Member.Send(int, ReadOnlyMemory{byte})"/> returned.</param>
public sealed record SendFailed(long MessageId) : MemberOutput;

/// <summary>The member stopped for good; it produces nothing more and ignores every input.</summary>
/// <param name="Reason">Why.</param>
public sealed record MemberStopped(StopReason Reason) : MemberOutput
{
    /// <summary>More about why, for <see cref="StopReason.IdInUse"/> and <see cref="StopReason.Replaced"/> (who holds the id).</summary>
    public string? Detail { get; init; }
}

/// <summary>
/// Send <paramref name="Body"/> to a joiner: over a connection from that very process (node id and incarnation) if
/// there is one, since its node id may also be a live member's (whose connection <see cref="SendToPeer"/> would
/// take); else as <see cref="SendToPeer"/> to its endpoint.
/// </summary>
/// <param name="Joiner">The joiner, as its request named it.</param>
/// <param name="Body">The encoded message body.</param>
public sealed record SendToJoiner(ViewMember Joiner, ReadOnlyMemory<byte> Body) : MemberOutput
{
    /// <summary>The same body as a <see cref="SendToPeer"/> to the joiner's node id and endpoint (for hosts that route by node id alone).</summary>
    public SendToPeer ToPeer() => new(Joiner.NodeId, Joiner.Endpoint, Body);
}

/// <summary>
/// Find out whether <paramref name="Holder"/> (that node id and incarnation) still runs at its endpoint, and say so
/// with <see cref="Member.ProbeAnswered"/>: a process at another address asks to join with its node id. Answer
/// false if nothing answers there within the suspicion timeout (refused, silent, a frozen process) or another
/// process does. A host that never answers leaves the joiner waiting until the holder is suspected or heard of.
/// </summary>
/// <param name="Holder">The member of the view whose node id the joiner claims.</param>
public sealed record ProbeMember(ViewMember Holder) : MemberOutput;

/// <summary>Why a member stopped.</summary>
public enum StopReason
{
    /// <summary>It left gracefully (<see cref="Member.Leave"/>) and the group installed a view without it.</summary>
    Left,

    /// <summary>The group removed it (suspected by others, or excluded by a committed view change).</summary>
    Removed,

    /// <summary>It could no longer see a majority of its view and partition safety is on.</summary>
    LostMajority,

    /// <summary>
    /// Its join was refused: its node id belongs to a live member at another address (two processes configured with
    /// one <c>local_id</c>). A restart of a member must use its address; a new member, an id of its own.
    /// </summary>
    IdInUse,

    /// <summary>The group admitted another process with its node id in its place (a newer incarnation).</summary>
    Replaced,
}

/// <summary>A member's life cycle.</summary>
public enum MemberStatus
{
    /// <summary>Asking a contact to be admitted; no view yet.</summary>
    Joining,

    /// <summary>In a view, sending and delivering.</summary>
    Active,

    /// <summary>Stopped for good (see <see cref="Member.StopReason"/>).</summary>
    Stopped,
}
