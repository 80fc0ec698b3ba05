namespace Derecho;

/// <summary>A message delivered in the group's total order, or in one shard's.</summary>
/// <param name="Sender">The sending member's node id.</param>
/// <param name="Index">Its index among the sender's messages in <paramref name="ViewId"/> (null messages count too, so gaps are possible).</param>
/// <param name="ViewId">The view it was delivered in.</param>
/// <param name="OrderIndex">Its position in the view's total order.</param>
/// <param name="Payload">The application bytes; do not modify them.</param>
public sealed record DeliveredMessage(uint Sender, long Index, int ViewId, long OrderIndex, ReadOnlyMemory<byte> Payload)
{
    /// <summary>
    /// The shard of the view's plan whose total order it was delivered in (then <see cref="Index"/> and
    /// <see cref="OrderIndex"/> count within that shard's order), or <see cref="Protocol.Member.WholeGroup"/>.
    /// </summary>
    public int Shard { get; init; } = Protocol.Member.WholeGroup;
}
