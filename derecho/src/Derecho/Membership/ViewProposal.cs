namespace Derecho.Membership;

/// <summary>
/// A leader's proposal that ends one view and starts the next: the next view's members and the ragged trim of the
/// ending view (per stream of the ending view, per sender of that stream, how many of its messages every
/// survivor in the stream delivers; the rest are discarded).
/// Committed by a majority of the ending view before anyone acts on it, so a leader that takes over adopts it.
/// </summary>
internal sealed record ViewProposal(int NextViewId, ViewMember[] Members, uint[] Joined, uint[] Departed, long[][] Trim)
{
    public View ToView() => new(NextViewId, Members, Joined, Departed);

    public bool Includes(uint nodeId, ulong incarnation) =>
        Array.Exists(Members, m => m.NodeId == nodeId && m.Incarnation == incarnation);
}
