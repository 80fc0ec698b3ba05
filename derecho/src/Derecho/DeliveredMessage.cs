namespace Derecho;

/// <summary>A message delivered in the group's total order.</summary>
/// <param name="Sender">The sending member's node id.</param>
/// <param name="Index">Its index among the sender's messages in <paramref name="ViewId"/> (null messages count too, so gaps are possible).</param>
/// <param name="ViewId">The view it was delivered in.</param>
/// <param name="OrderIndex">Its position in the view's total order.</param>
/// <param name="Payload">The application bytes; do not modify them.</param>
public sealed record DeliveredMessage(uint Sender, long Index, int ViewId, long OrderIndex, ReadOnlyMemory<byte> Payload);
