using Derecho.Membership;
using Derecho.Sst;

namespace Derecho.Protocol;

/// <summary>The kinds of message body; the first byte of every body.</summary>
internal enum MessageKind : byte
{
    Row = 1,
    Data = 2,
    Chunk = 3,
    JoinRequest = 4,
    JoinRedirect = 5,
    Commit = 6,
    Welcome = 7,
    JoinHeld = 8,
    JoinRefused = 9,
}

/// <summary>A decoded message body.</summary>
internal abstract record ProtocolMessage;

/// <summary>A pushed row of the Shared State Table.</summary>
internal sealed record RowMessage(SstRow Row) : ProtocolMessage;

/// <summary>
/// Consecutive small messages of one sender of one stream in one view, starting at <paramref name="FirstIndex"/>;
/// the sender is named by its index among the stream's members. A null entry is a null message (it keeps the
/// round-robin order moving and delivers nothing).
/// </summary>
internal sealed record DataBatch(int ViewId, int Stream, int SenderRank, long FirstIndex, ReadOnlyMemory<byte>?[] Entries) : ProtocolMessage;

/// <summary>A block of a large message, relayed along the chain of the stream's members that starts at its sender.</summary>
internal sealed record DataChunk(int ViewId, int Stream, int SenderRank, long Index, int TotalLength, int Offset, ReadOnlyMemory<byte> Bytes) : ProtocolMessage
{
    /// <summary>The body this block was decoded from (empty for one made here): a relay forwards it as is, without encoding it again.</summary>
    public ReadOnlyMemory<byte> Received { get; init; }

    /// <summary>
    /// The rest of the received body when the transport read the block's bytes straight into place (then they are
    /// <see cref="Bytes"/>, following <see cref="Received"/>); empty otherwise.
    /// </summary>
    public ReadOnlyMemory<byte> ReceivedTail { get; init; }
}

/// <summary>What a <see cref="DataChunk"/> says about itself before its bytes.</summary>
internal readonly record struct ChunkHeader(int ViewId, int Stream, int SenderRank, long Index, int TotalLength, int Offset);

/// <summary>A process asks to be admitted.</summary>
internal sealed record JoinRequest(ViewMember Joiner, ReadOnlyMemory<byte> Info = default) : ProtocolMessage;

/// <summary>The leader refuses a join for good (its node id belongs to a live member elsewhere); <paramref name="Reason"/> says why.</summary>
internal sealed record JoinRefused(string Reason) : ProtocolMessage;

/// <summary>
/// The contact is not the leader: ask this member instead. With <paramref name="Held"/> (kind
/// <see cref="MessageKind.JoinHeld"/>) the leader itself answers: it holds the joiner for a later view, so the joiner
/// asks it again at its next retry rather than at once. <paramref name="Members"/> are the endpoints of the answering
/// member's view, which a rejoining member asks too from then on.
/// </summary>
internal sealed record JoinRedirect(uint LeaderId, string LeaderEndpoint, bool Held, string[] Members) : ProtocolMessage;

/// <summary>The proposal ending view <see cref="ViewProposal.NextViewId"/> − 1 is committed.</summary>
internal sealed record CommitMessage(ViewProposal Proposal) : ProtocolMessage;

/// <summary>Admits a joiner: the view it starts in and the application state as of the end of the previous view.</summary>
internal sealed record WelcomeMessage(ViewProposal Proposal, ReadOnlyMemory<byte> State) : ProtocolMessage;
